// Slack's official Node client (@slack/webhook) against mock-slack: it must
// get the answers Slack would give. Usage: node client_test.mjs <base-url>
import { IncomingWebhook } from '@slack/webhook';

const base = process.argv[2];
let failures = 0;
function check(cond, what) {
  if (!cond) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
}
async function api(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return r.json();
}
async function sendError(hook, message) {
  try {
    await hook.send(message);
    return null;
  } catch (e) {
    return e;
  }
}

const hook = new IncomingWebhook(`${base}/services/T0001/B0001/sekrit`, { timeout: 3000 });
const sent = await hook.send({
  text: 'Console login by root',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*root* signed in &lt;console&gt;' } }],
});
check(sent.text === 'ok', `send resolves with text "ok": ${JSON.stringify(sent)}`);
const messages = await api('GET', '/api/messages?webhook=T0001/B0001');
check(messages.messages.length === 1 &&
      messages.messages[0].payload.blocks[0].text.text === '*root* signed in &lt;console&gt;',
      'the message was recorded as sent');

let e = await sendError(hook, {
  blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
});
check(e?.code === 'slack_webhook_http_error', `invalid blocks: error code ${e?.code}`);
check(e?.original?.response?.status === 400 && e.original.response.data === 'invalid_blocks',
      `invalid blocks: 400 invalid_blocks, got ${e?.original?.response?.status} ${e?.original?.response?.data}`);

e = await sendError(new IncomingWebhook(`${base}/services/T0001/B0001/wrong`, { timeout: 3000 }),
                    { text: 'x' });
check(e?.original?.response?.status === 403 && e.original.response.data === 'invalid_token',
      `wrong secret: 403 invalid_token, got ${e?.original?.response?.status}`);

e = await sendError(new IncomingWebhook(`${base}/services/T0009/B0009/x`, { timeout: 3000 }),
                    { text: 'x' });
check(e?.original?.response?.status === 404 && e.original.response.data === 'no_service',
      `unknown webhook: 404 no_service, got ${e?.original?.response?.status}`);

await api('POST', '/api/faults', [
  { webhook: 'T0001/B0001', kind: 'rate_limit', retry_after: 4 },
  { webhook: 'T0001/B0001', kind: 'error', status: 500, body: 'rollup_error' },
  { webhook: 'T0001/B0001', kind: 'drop' },
]);
e = await sendError(hook, { text: 'x' });
check(e?.original?.response?.status === 429 &&
      String(e.original.response.headers['retry-after']) === '4',
      `429 with Retry-After, got ${e?.original?.response?.status}`);
e = await sendError(hook, { text: 'x' });
check(e?.original?.response?.status === 500 && e.original.response.data === 'rollup_error',
      `500 rollup_error, got ${e?.original?.response?.status}`);
e = await sendError(hook, { text: 'x' });
check(e?.code === 'slack_webhook_request_error', `dropped connection: ${e?.code}`);

console.log(failures ? `${failures} check(s) failed` : 'node client: all checks passed');
process.exit(failures ? 1 : 0);

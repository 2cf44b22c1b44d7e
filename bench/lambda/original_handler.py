#!/usr/bin/env python3
"""Baseline: what the original Python Lambda does per invocation, timed.

Written for this benchmark (not the original's code): per invocation,
base64-decode and gzip-decompress awslogs.data, print the whole decoded text,
json.loads it; per log event json.loads the message, read userIdentity.userName,
sourceIPAddress, eventTime (dateutil.parser, plus 9 hours), eventType,
eventSource, eventName, awsRegion, eventID, skip the four hard-coded
exceptions, build the two-section Block Kit dict and hand it to a stand-in
for requests.post(json=...) that does only what requests does before the
network: serialise the dict to UTF-8 JSON bytes (json.dumps + encode). The
engine's measured time includes writing its JSON body too; no HTTP on
either side. Records without userIdentity.userName raise
KeyError in the original (the whole invocation fails), as do records with odd
eventTime values; here such an event is skipped so that every payload runs to the end, which only makes the baseline
cheaper.

Usage: original_handler.py PAYLOADS.jsonl ROUNDS  → prints CPU seconds per payload
"""
import base64, datetime, gzip, json, sys, time
import json as _json

import dateutil.parser
import requests  # noqa: F401  (imported as the original does; the post is a no-op)

IGNORE_USER = []
CONSOLE = "https://ap-northeast-2.console.aws.amazon.com/cloudtrail/home?region=ap-northeast-2#/events/{event_id}"


def post(url, json=None):  # stands in for requests.post: the body bytes, no network
    return _json.dumps(json).encode("utf-8")


def skip(user, source, ip, name):
    return user in IGNORE_USER or source == "health.amazonaws.com" or ip == "AWS Internal" \
        or name in ("GetBucketLocation",)


def handle(event, out):
    text = gzip.decompress(base64.b64decode(event["awslogs"]["data"].encode())).decode()
    print(text, file=out)
    data = json.loads(text)
    for log_event in data["logEvents"]:
        try:
            record = json.loads(log_event["message"])
            try:
                user = record["userIdentity"]["userName"]
            except KeyError:
                continue
            ip = record["sourceIPAddress"]
            when = (dateutil.parser.parse(record["eventTime"]) + datetime.timedelta(hours=9)).strftime(
                "%Y.%m.%d %H:%M:%S")
            etype, source, name = record["eventType"], record["eventSource"], record["eventName"]
            region, event_id = record["awsRegion"], record["eventID"]
            if skip(user, source, ip, name):
                continue
            url = CONSOLE.format(event_id=event_id)
            payload = {"blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join([
                    f"*{user} ({ip})*", f"Time: {when}", f"Type: {etype}", f"Source: {source}",
                    f"Name: {name}", f"Region: {region}", ""])}},
                {"type": "section", "text": {"type": "mrkdwn", "text": f"_<{url}|{event_id}>_"}}]}
        except json.JSONDecodeError:
            payload = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"```{log_event}```"}}]}
        except (KeyError, TypeError, ValueError):
            continue  # the original would fail the whole invocation here
        post("https://hooks.slack.com/services/T/B/x", json=payload)


def main():
    events = [json.loads(line) for line in open(sys.argv[1])]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with open("/dev/null", "w") as out:
        handle(events[0], out)  # warm-up
        start = time.process_time()
        for _ in range(rounds):
            for e in events:
                handle(e, out)
        cpu = time.process_time() - start
    print(f"{cpu / (rounds * len(events)):.9f}")


if __name__ == "__main__":
    main()

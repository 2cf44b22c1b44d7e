#!/usr/bin/env python3
"""What the shipped templates must say, beyond being valid CloudFormation
(cfn_check.py): the same filter pattern and ignore rules in all three (the
subscription template's are compiled by the engine in
tests/lambda/pipeline_test.cc), and for each input the wiring AWS documents:

  deploy/iam-audit-s3.yaml: s3:GetObject on BUCKET/PREFIX/AWSLogs/* only;
    kms:Decrypt on KmsKeyArn only when it is set, with CloudTrail's
    encryption context; an SNS topic policy letting s3.amazonaws.com publish
    for the bucket (aws:SourceArn) of its account (aws:SourceAccount); the
    Lambda permission for sns.amazonaws.com from the topic; with UseQueue, a
    queue with a dead-letter queue, a queue policy for the topic and an event
    source mapping with ReportBatchItemFailures.
  deploy/iam-audit-eventbridge.yaml: a rule on CloudTrail's four
    detail-types targeting the function, the permission for
    events.amazonaws.com from that rule.

The expected values are written here from the task and the AWS pages cited in
docs/deploy.md, not read from the templates.

Usage: template_contents_test.py PROJECT_ROOT"""
import os
import sys

import yaml

root = sys.argv[1]
failures = []

ORIGINAL_PATTERN = ('{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") '
                    '&& ($.eventName != "Describe*") }')
IGNORE_RULES = {
    "IAM_AUDIT_IGNORE_AWS_HEALTH": '{ $.eventSource = "health.amazonaws.com" }',
    "IAM_AUDIT_IGNORE_AWS_INTERNAL": '{ $.sourceIPAddress = "AWS Internal" }',
    "IAM_AUDIT_IGNORE_GET_BUCKET_LOCATION": '{ $.eventName = "GetBucketLocation" }',
}
CLOUDTRAIL_DETAIL_TYPES = [
    "AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail",
    "AWS Service Event via CloudTrail", "AWS Console Action via CloudTrail",
]


class Tag:
    """An intrinsic function in short form (!Ref x, !GetAtt a.b, ...)."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __eq__(self, other):
        return isinstance(other, Tag) and (self.tag, self.value) == (other.tag, other.value)

    def __repr__(self):
        return f"{self.tag} {self.value!r}"


class Loader(yaml.SafeLoader):
    pass


def construct_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tag("!" + suffix, value)


Loader.add_multi_constructor("!", construct_tag)


def load(name):
    with open(os.path.join(root, "deploy", name)) as f:
        return yaml.load(f, Loader=Loader)


def check(cond, what):
    if not cond:
        failures.append(what)
    else:
        print("ok:", what)


def resources_of_type(t, rtype):
    return {k: v for k, v in t["Resources"].items() if v.get("Type") == rtype}


def function_env(t):
    fns = resources_of_type(t, "AWS::Lambda::Function")
    assert len(fns) == 1, f"one function, got {sorted(fns)}"
    return next(iter(fns.values()))["Properties"]["Environment"]["Variables"]


# ---- the same pattern and ignore rules in all three -------------------------
cw = load("iam-audit.yaml")
s3 = load("iam-audit-s3.yaml")
eb = load("iam-audit-eventbridge.yaml")
sub = next(iter(resources_of_type(cw, "AWS::Logs::SubscriptionFilter").values()))
check(sub["Properties"]["FilterPattern"] == ORIGINAL_PATTERN,
      "iam-audit.yaml: the subscription filter carries the original pattern")
for name, t in (("iam-audit.yaml", cw), ("iam-audit-s3.yaml", s3), ("iam-audit-eventbridge.yaml", eb)):
    env = function_env(t)
    for key, pattern in IGNORE_RULES.items():
        check(env.get(key) == pattern, f"{name}: {key} is the original exception")
    check(env.get("SLACK_WEBHOOK_URL") == Tag("!Ref", "SlackWebhookUrl")
          and t["Parameters"]["SlackWebhookUrl"].get("NoEcho") is True,
          f"{name}: the webhook comes from a NoEcho parameter")
for name, t in (("iam-audit-s3.yaml", s3), ("iam-audit-eventbridge.yaml", eb)):
    env = function_env(t)
    check(env.get("IAM_AUDIT_FILTER_PATTERN") == ORIGINAL_PATTERN,
          f"{name}: IAM_AUDIT_FILTER_PATTERN is the subscription's pattern")
    check(env.get("IAM_AUDIT_ACCOUNT_ALIASES")
          == Tag("!If", ["HasAccountAliases", Tag("!Ref", "AccountAliases"), Tag("!Ref", "AWS::NoValue")]),
          f"{name}: IAM_AUDIT_ACCOUNT_ALIASES only when AccountAliases is set")

# ---- the trail bucket template ----------------------------------------------
role = s3["Resources"]["FunctionRole"]["Properties"]
policies = role["Policies"]
read = policies[0]["PolicyDocument"]["Statement"]
check(len(read) == 1 and read[0]["Action"] == "s3:GetObject" and read[0]["Resource"] == Tag("!If", [
    "HasTrailPrefix",
    Tag("!Sub", "arn:${AWS::Partition}:s3:::${TrailBucketName}/${TrailPrefix}/AWSLogs/*"),
    Tag("!Sub", "arn:${AWS::Partition}:s3:::${TrailBucketName}/AWSLogs/*")]),
      "iam-audit-s3.yaml: s3:GetObject on BUCKET[/PREFIX]/AWSLogs/* and nothing else")
all_actions = []
for p in policies:
    doc = p.value[1] if isinstance(p, Tag) else p
    for st in doc["PolicyDocument"]["Statement"]:
        a = st["Action"]
        all_actions += a if isinstance(a, list) else [a]
check(not any(a.startswith("s3:") and a != "s3:GetObject" for a in all_actions)
      and "s3:*" not in all_actions and "*" not in all_actions,
      "iam-audit-s3.yaml: the role has no other S3 action (no ListBucket, no wildcard)")
kms = policies[1]
check(isinstance(kms, Tag) and kms.tag == "!If" and kms.value[0] == "HasKmsKey"
      and kms.value[2] == Tag("!Ref", "AWS::NoValue")
      and s3["Conditions"]["HasKmsKey"] == Tag("!Not", [Tag("!Equals", [Tag("!Ref", "KmsKeyArn"), ""])]),
      "iam-audit-s3.yaml: the KMS policy exists only when KmsKeyArn is not empty")
kms_st = kms.value[1]["PolicyDocument"]["Statement"]
check(len(kms_st) == 1 and kms_st[0]["Action"] == "kms:Decrypt"
      and kms_st[0]["Resource"] == Tag("!Ref", "KmsKeyArn")
      and kms_st[0]["Condition"]["Null"] == {"kms:EncryptionContext:aws:cloudtrail:arn": "false"},
      "iam-audit-s3.yaml: kms:Decrypt on the key, for CloudTrail's encryption context only")

topic_policy = s3["Resources"]["NotificationTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
check(len(topic_policy) == 1 and topic_policy[0]["Principal"] == {"Service": "s3.amazonaws.com"}
      and topic_policy[0]["Action"] == "sns:Publish"
      and topic_policy[0]["Condition"] == {
          "ArnLike": {"aws:SourceArn": Tag("!Sub", "arn:${AWS::Partition}:s3:::${TrailBucketName}")},
          "StringEquals": {"aws:SourceAccount": Tag("!Ref", "TrailBucketAccountId")}},
      "iam-audit-s3.yaml: the topic lets s3.amazonaws.com publish for the trail bucket of its account only")
topic_arn = Tag("!If", ["CreateTopic", Tag("!Ref", "NotificationTopic"), Tag("!Ref", "ExistingTopicArn")])
perm = s3["Resources"]["TopicInvokePermission"]
check(perm["Properties"]["Principal"] == "sns.amazonaws.com" and perm["Properties"]["SourceArn"] == topic_arn
      and perm["Properties"]["FunctionName"] == Tag("!GetAtt", "AuditFunction.Arn"),
      "iam-audit-s3.yaml: SNS may invoke the function, from the topic only")
lambda_sub = s3["Resources"]["FunctionSubscription"]
check(lambda_sub["Properties"]["Protocol"] == "lambda" and lambda_sub["Properties"]["TopicArn"] == topic_arn
      and lambda_sub.get("DependsOn") == "TopicInvokePermission"
      and lambda_sub.get("Condition") == perm.get("Condition") == "DirectFromTopic",
      "iam-audit-s3.yaml: the Lambda subscription comes after its permission, both without the queue")
queue = s3["Resources"]["NotificationQueue"]
check(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == Tag("!GetAtt", "DeadLetterQueue.Arn")
      and queue["Properties"]["VisibilityTimeout"]
      >= 6 * s3["Resources"]["AuditFunction"]["Properties"]["Timeout"],
      "iam-audit-s3.yaml: the queue has a dead-letter queue and a visibility timeout >= 6x the function's")
esm = s3["Resources"]["QueueEventSource"]["Properties"]
check(esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
      and esm["EventSourceArn"] == Tag("!GetAtt", "NotificationQueue.Arn"),
      "iam-audit-s3.yaml: the queue feeds the function with partial batch responses")
qpol = s3["Resources"]["NotificationQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
check(len(qpol) == 1 and qpol[0]["Principal"] == {"Service": "sns.amazonaws.com"}
      and qpol[0]["Action"] == "sqs:SendMessage"
      and qpol[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": topic_arn}},
      "iam-audit-s3.yaml: only the topic may send to the queue")
qsub = s3["Resources"]["QueueSubscription"]["Properties"]
check(qsub["Protocol"] == "sqs" and qsub["RawMessageDelivery"] is True and qsub["TopicArn"] == topic_arn,
      "iam-audit-s3.yaml: the queue subscription delivers the notification itself (raw)")
for name in ("DeadLetterQueue", "NotificationQueue", "NotificationQueuePolicy", "QueueSubscription",
             "QueueEventSource"):
    check(s3["Resources"][name].get("Condition") == "ViaQueue", f"iam-audit-s3.yaml: {name} only with UseQueue")

# ---- the EventBridge template -----------------------------------------------
rule = eb["Resources"]["CloudTrailEventsRule"]["Properties"]
check(rule["EventPattern"] == {"detail-type": CLOUDTRAIL_DETAIL_TYPES},
      "iam-audit-eventbridge.yaml: the rule matches CloudTrail's four detail-types")
check([t["Arn"] for t in rule["Targets"]] == [Tag("!GetAtt", "AuditFunction.Arn")]
      and rule["State"] == "ENABLED",
      "iam-audit-eventbridge.yaml: the rule's one target is the function")
eperm = eb["Resources"]["RuleInvokePermission"]["Properties"]
check(eperm["Principal"] == "events.amazonaws.com"
      and eperm["SourceArn"] == Tag("!GetAtt", "CloudTrailEventsRule.Arn")
      and eperm["FunctionName"] == Tag("!GetAtt", "AuditFunction.Arn"),
      "iam-audit-eventbridge.yaml: EventBridge may invoke the function, from the rule only")

for f in failures:
    print("FAIL:", f)
print(f"template contents: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)

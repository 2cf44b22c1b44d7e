// The simulator's record templates (generator.cc writes the records): the
// API calls it invents, by kind (read-only, other writes, IAM changes, trail
// tampering), each with its event source, name and request and response
// parameter templates ({placeholders} filled by Generator::Impl::Fill), and
// the pools of user names, user agents, service principals and IAM Identity
// Center permission sets that identities are drawn from. Event names and
// parameter shapes follow the AWS API references; values are invented.
#ifndef IAM_AUDIT_SIMULATOR_SRC_RECORD_TEMPLATES_H_
#define IAM_AUDIT_SIMULATOR_SRC_RECORD_TEMPLATES_H_

#include <array>
#include <string_view>

namespace iam_audit::simulator::internal {

inline constexpr std::array<std::string_view, 24> kFirstNames = {
    "alice", "bob",    "carol",   "dave", "erin",   "frank", "grace",      "heidi",
    "ivan",  "judy",   "mallory", "niaj", "olivia", "peggy", "rupert",     "sybil",
    "trent", "victor", "walter",  "yuki", "minji",  "jisoo", "deploy-bot", "ci-runner"};

struct Action {
  std::string_view source;  // without ".amazonaws.com"
  std::string_view name;
  bool read_only;
  // Templates: JSON text with {placeholders} (see Fill), or "null".
  std::string_view request;
  std::string_view response;
};

// Read-only calls.
inline constexpr Action kReadActions[] = {
    {"ec2", "DescribeInstances", true, R"({"instancesSet":{},"filterSet":{}})", "null"},
    {"ec2", "DescribeSecurityGroups", true,
     R"({"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}})", "null"},
    {"ec2", "DescribeVpcs", true, R"({"vpcSet":{},"filterSet":{}})", "null"},
    {"s3", "GetBucketLocation", true,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","location":""})", "null"},
    {"s3", "ListBuckets", true, R"({"Host":"s3.{region}.amazonaws.com"})", "null"},
    {"s3", "GetBucketPolicy", true,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","policy":""})", "null"},
    {"iam", "GetUser", true, R"({"userName":"{target}"})", "null"},
    {"iam", "ListUsers", true, R"({"maxItems":100})", "null"},
    {"iam", "ListRoles", true, "null", "null"},
    {"iam", "GetAccountAuthorizationDetails", true, R"({"filter":["User","Role","Group"]})",
     "null"},
    {"kms", "DescribeKey", true, R"({"keyId":"{kmskey}"})", "null"},
    {"kms", "ListKeys", true, R"({"limit":100})", "null"},
    {"sts", "GetCallerIdentity", true, "null", "null"},
    {"lambda", "ListFunctions20150331", true, "null", "null"},
    {"lambda", "GetFunction20150331v2", true, R"({"functionName":"{function}"})", "null"},
    {"rds", "DescribeDBInstances", true, "null", "null"},
    {"ssm", "DescribeInstanceInformation", true, R"({"maxResults":50})", "null"},
    {"ssm", "GetParameter", true, R"({"name":"/app/{function}/db-password","withDecryption":true})",
     "null"},
    {"secretsmanager", "ListSecrets", true, "null", "null"},
    {"secretsmanager", "DescribeSecret", true, R"({"secretId":"prod/{function}/api-key"})", "null"},
    {"cloudtrail", "DescribeTrails", true, R"({"includeShadowTrails":true})", "null"},
    {"cloudtrail", "LookupEvents", true, R"({"maxResults":50})", "null"},
    {"logs", "DescribeLogGroups", true, R"({"limit":50})", "null"},
    {"dynamodb", "DescribeTable", true, R"({"tableName":"{function}-state"})", "null"},
    {"monitoring", "DescribeAlarms", true, R"({"maxRecords":100})", "null"},
};

// Mutating calls outside IAM and CloudTrail.
inline constexpr Action kWriteActions[] = {
    {"ec2", "RunInstances", false,
     R"({"instancesSet":{"items":[{"imageId":"ami-0{hex8}","minCount":1,"maxCount":1}]},"instanceType":"t3.micro","monitoring":{"enabled":false},"disableApiTermination":false})",
     R"({"requestId":"{uuid}","reservationId":"r-0{hex8}{hex8}","ownerId":"{account}","instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}","imageId":"ami-0{hex8}","instanceType":"t3.micro"}]}})"},
    {"ec2", "TerminateInstances", false,
     R"({"instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}"}]}})",
     R"({"requestId":"{uuid}","instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}","currentState":{"code":32,"name":"shutting-down"},"previousState":{"code":16,"name":"running"}}]}})"},
    {"ec2", "AuthorizeSecurityGroupIngress", false,
     R"({"groupId":"sg-0{hex8}","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}})",
     R"({"requestId":"{uuid}","_return":true})"},
    {"ec2", "CreateSnapshot", false, R"({"volumeId":"vol-0{hex8}{hex8}","description":"nightly"})",
     R"({"requestId":"{uuid}","snapshotId":"snap-0{hex8}{hex8}","status":"pending"})"},
    {"s3", "PutBucketPolicy", false,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","policy":"","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}]}})",
     "null"},
    {"s3", "CreateBucket", false, R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com"})",
     "null"},
    {"s3", "DeleteBucket", false, R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com"})",
     "null"},
    {"s3", "PutBucketAcl", false,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","acl":""})", "null"},
    {"lambda", "UpdateFunctionCode20150331v2", false,
     R"({"functionName":"{function}","publish":false,"dryRun":false})",
     R"({"functionName":"{function}","functionArn":"arn:aws:lambda:{region}:{account}:function:{function}","runtime":"provided.al2023","lastUpdateStatus":"InProgress"})"},
    {"lambda", "CreateFunction20150331", false,
     R"({"functionName":"{function}","runtime":"provided.al2023","role":"arn:aws:iam::{account}:role/{function}-role","handler":"bootstrap"})",
     R"({"functionName":"{function}","functionArn":"arn:aws:lambda:{region}:{account}:function:{function}","state":"Pending"})"},
    {"rds", "ModifyDBInstance", false,
     R"({"dBInstanceIdentifier":"{function}-db","publiclyAccessible":true,"applyImmediately":true})",
     R"({"dBInstanceIdentifier":"{function}-db","dBInstanceStatus":"available"})"},
    {"rds", "CreateDBSnapshot", false,
     R"({"dBSnapshotIdentifier":"{function}-snap-{hex8}","dBInstanceIdentifier":"{function}-db"})",
     R"({"dBSnapshotIdentifier":"{function}-snap-{hex8}","status":"creating"})"},
    {"ssm", "PutParameter", false,
     R"({"name":"/app/{function}/db-password","type":"SecureString","value":"HIDDEN_DUE_TO_SECURITY_REASONS","overwrite":true})",
     R"({"version":3,"tier":"Standard"})"},
    {"ssm", "SendCommand", false,
     R"({"instanceIds":["i-0{hex8}{hex8}"],"documentName":"AWS-RunShellScript","parameters":"HIDDEN_DUE_TO_SECURITY_REASONS"})",
     R"({"command":{"commandId":"{uuid}","documentName":"AWS-RunShellScript","status":"Pending"}})"},
    {"secretsmanager", "PutSecretValue", false,
     R"({"secretId":"prod/{function}/api-key","clientRequestToken":"{uuid}"})",
     R"({"arn":"arn:aws:secretsmanager:{region}:{account}:secret:prod/{function}/api-key-AbCdEf","versionId":"{uuid}"})"},
    {"kms", "ScheduleKeyDeletion", false, R"({"keyId":"{kmskey}","pendingWindowInDays":7})",
     R"({"keyId":"arn:aws:kms:{region}:{account}:key/{kmskey}","keyState":"PendingDeletion","pendingWindowInDays":7})"},
    {"kms", "CreateKey", false, R"({"keyUsage":"ENCRYPT_DECRYPT","keySpec":"SYMMETRIC_DEFAULT"})",
     R"({"keyMetadata":{"aWSAccountId":"{account}","keyId":"{kmskey}","arn":"arn:aws:kms:{region}:{account}:key/{kmskey}","enabled":true}})"},
    {"dynamodb", "CreateTable", false,
     R"({"tableName":"{function}-state","billingMode":"PAY_PER_REQUEST"})",
     R"({"tableDescription":{"tableName":"{function}-state","tableStatus":"CREATING"}})"},
    {"logs", "PutRetentionPolicy", false,
     R"({"logGroupName":"/aws/lambda/{function}","retentionInDays":1})", "null"},
};

// IAM changes (global service: recorded in us-east-1).
inline constexpr Action kIamActions[] = {
    {"iam", "CreateUser", false, R"({"userName":"{target}"})",
     R"({"user":{"path":"/","userName":"{target}","userId":"AIDA{key16}","arn":"arn:aws:iam::{account}:user/{target}","createDate":"{time}"}})"},
    {"iam", "DeleteUser", false, R"({"userName":"{target}"})", "null"},
    {"iam", "CreateAccessKey", false, R"({"userName":"{target}"})",
     R"({"accessKey":{"userName":"{target}","accessKeyId":"AKIA{key16}","status":"Active","createDate":"{time}"}})"},
    {"iam", "DeleteAccessKey", false, R"({"userName":"{target}","accessKeyId":"AKIA{key16}"})",
     "null"},
    {"iam", "AttachUserPolicy", false,
     R"({"userName":"{target}","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})",
     "null"},
    {"iam", "AttachRolePolicy", false,
     R"({"roleName":"{function}-role","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})",
     "null"},
    {"iam", "PutUserPolicy", false,
     R"({"userName":"{target}","policyName":"inline-admin","policyDocument":"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]\n}"})",
     "null"},
    {"iam", "CreateLoginProfile", false, R"({"userName":"{target}","passwordResetRequired":true})",
     R"({"loginProfile":{"userName":"{target}","createDate":"{time}","passwordResetRequired":true}})"},
    {"iam", "UpdateLoginProfile", false, R"({"userName":"{target}"})", "null"},
    {"iam", "AddUserToGroup", false, R"({"groupName":"Admins","userName":"{target}"})", "null"},
    {"iam", "CreateRole", false,
     R"({"roleName":"{function}-role","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"})",
     R"({"role":{"path":"/","roleName":"{function}-role","roleId":"AROA{key16}","arn":"arn:aws:iam::{account}:role/{function}-role","createDate":"{time}"}})"},
    {"iam", "UpdateAssumeRolePolicy", false,
     R"({"roleName":"{function}-role","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"})",
     "null"},
    {"iam", "DeactivateMFADevice", false,
     R"({"userName":"{target}","serialNumber":"arn:aws:iam::{account}:mfa/{target}"})", "null"},
};

// Trail tampering.
inline constexpr Action kTrailActions[] = {
    {"cloudtrail", "StopLogging", false,
     R"({"name":"arn:aws:cloudtrail:{region}:{account}:trail/management-events"})", "null"},
    {"cloudtrail", "DeleteTrail", false, R"({"name":"management-events"})", "null"},
    {"cloudtrail", "UpdateTrail", false,
     R"({"name":"management-events","isMultiRegionTrail":false,"includeGlobalServiceEvents":false})",
     R"({"name":"management-events","s3BucketName":"aws-cloudtrail-logs-{account}-{hex8}","isMultiRegionTrail":false,"trailARN":"arn:aws:cloudtrail:{region}:{account}:trail/management-events"})"},
    {"cloudtrail", "PutEventSelectors", false,
     R"({"trailName":"management-events","eventSelectors":[{"readWriteType":"ReadOnly","includeManagementEvents":false,"dataResources":[]}]})",
     R"({"trailARN":"arn:aws:cloudtrail:{region}:{account}:trail/management-events","eventSelectors":[{"readWriteType":"ReadOnly","includeManagementEvents":false,"dataResources":[]}]})"},
};

// Long user agents are split over two lines (string literal concatenation).
inline constexpr std::string_view kUserAgents[] = {
    // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
    "aws-cli/2.15.10 Python/3.11.6 Linux/6.1.0-17-amd64 exe/x86_64.debian.12 prompt/off "
    "command/{cmd}",
    "Boto3/1.34.14 md/Botocore#1.34.14 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.14",
    "aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.0.0",
    "console.amazonaws.com",
    "Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 "
    "aws-sdk-go-v2/1.24.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "aws-internal/3 aws-sdk-java/1.12.617 Linux/5.10.205 OpenJDK_64-Bit_Server_VM/25.392-b08 "
    "java/1.8.0_392",
    // Slack control characters, to exercise escaping downstream.
    "curl/8.5.0 <!channel> <https://example.com|click> & more",
};

inline constexpr std::string_view kServicePrincipals[] = {
    "lambda.amazonaws.com", "ec2.amazonaws.com", "cloudformation.amazonaws.com",
    "elasticbeanstalk.amazonaws.com", "ecs-tasks.amazonaws.com"};

inline constexpr std::string_view kSsoPermissionSets[] = {"AdministratorAccess", "ReadOnlyAccess",
                                                          "PowerUserAccess"};

}  // namespace iam_audit::simulator::internal

#endif  // IAM_AUDIT_SIMULATOR_SRC_RECORD_TEMPLATES_H_

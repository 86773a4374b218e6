"""deploy/cloudformation/*.yaml: cfn-lint clean, and the stack created on
moto's CloudFormation, its resources checked with boto3.

moto 5.2.1 builds the Lambda function, IAM roles, log group, SNS topic and
SQS queue from the template but skips AWS::Scheduler::Schedule,
AWS::SNS::Subscription, AWS::CloudWatch::Alarm and AWS::Logs::MetricFilter
(it warns and leaves them out). Those are created here through their own
moto APIs with the template's properties instead, so that at least their
shape is accepted. cfn-lint is skipped, saying so, where it is not
installed (pip install cfn-lint; docs/deploy.md).
"""

import io
import json
import os
import shutil
import subprocess
import time
import unittest
import urllib.request
import zipfile

import boto3

import cfn_template

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATES = os.path.join(ROOT, "deploy", "cloudformation")
MAIN = os.path.join(TEMPLATES, "snapkeep.yaml")
SHARDED = os.path.join(TEMPLATES, "snapkeep-sharded.yaml")
STACK = "backups"


def endpoint():
    return os.environ["SNAPKEEP_TEST_ENDPOINT"]


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, endpoint_url=endpoint(),
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def snapkeep(*args):
    binary = os.environ.get("SNAPKEEP_BIN", os.path.join(ROOT, "build", "snapkeep"))
    proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(proc.stdout + proc.stderr)
    return proc.stdout


def tiny_package():
    """A stand-in for the package: moto stores the code, never runs it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


def wait_for_stack(cfn, name):
    for _ in range(300):
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            return stack
        time.sleep(0.1)
    raise AssertionError(f"stack {name} still in progress")


class CfnLintTest(unittest.TestCase):
    def test_templates_pass_cfn_lint(self):
        lint = shutil.which("cfn-lint")
        if not lint:
            self.skipTest("cfn-lint is not installed (pip install cfn-lint); templates not linted")
        templates = sorted(os.path.join(TEMPLATES, f) for f in os.listdir(TEMPLATES) if f.endswith(".yaml"))
        proc = subprocess.run([lint, *templates], capture_output=True, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


class StackOnMotoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        urllib_reset()
        cls.template = cfn_template.load(MAIN)
        cls.policy = snapkeep("iam-policy", "--config", os.path.join(ROOT, "examples", "demo.yaml"))
        s3 = client("s3")
        s3.create_bucket(Bucket="snapkeep-code")
        s3.put_object(Bucket="snapkeep-code", Key="snapkeep/pkg.zip", Body=tiny_package())
        cfn = client("cloudformation")
        with open(MAIN) as f:
            body = f.read()
        cfn.create_stack(StackName=STACK, TemplateBody=body, Capabilities=["CAPABILITY_IAM"], Parameters=[
            {"ParameterKey": "CodeS3Bucket", "ParameterValue": "snapkeep-code"},
            {"ParameterKey": "CodeS3Key", "ParameterValue": "snapkeep/pkg.zip"},
            {"ParameterKey": "ExecutionPolicy", "ParameterValue": cls.policy},
            {"ParameterKey": "ScheduleExpression", "ParameterValue": "cron(30 1 * * ? *)"},
            {"ParameterKey": "ScheduleTimezone", "ParameterValue": "Europe/Berlin"},
            {"ParameterKey": "NotificationEmail", "ParameterValue": "ops@example.com"},
        ])
        cls.stack = wait_for_stack(cfn, STACK)
        # Resources moto skipped come back without ids.
        cls.resources = {r["LogicalResourceId"]: r for r in
                         cfn.describe_stack_resources(StackName=STACK)["StackResources"]
                         if r.get("LogicalResourceId")}
        cls.function = client("lambda").get_function(FunctionName=f"{STACK}-snapkeep")["Configuration"]

    def test_stack_is_created(self):
        self.assertEqual(self.stack["StackStatus"], "CREATE_COMPLETE", self.stack.get("StackStatusReason"))
        for logical in ("Topic", "LogGroup", "ExecutionRole", "Function", "DeadLetterQueue", "SchedulerRole"):
            self.assertIn(logical, self.resources)

    def test_function_is_the_custom_runtime_with_the_package(self):
        f = self.function
        self.assertEqual(f["Runtime"], "provided.al2023")
        self.assertEqual(f["Handler"], "snapkeep")
        self.assertEqual(f["Timeout"], 900)
        self.assertEqual(f["MemorySize"], 256)
        concurrency = client("lambda").get_function_concurrency(FunctionName=f["FunctionName"])
        self.assertEqual(concurrency.get("ReservedConcurrentExecutions"), 1)
        role = self.resources["ExecutionRole"]["PhysicalResourceId"]
        self.assertTrue(f["Role"].endswith("/" + role), (f["Role"], role))

    def test_execution_role_has_exactly_the_iam_policy_output(self):
        iam = client("iam")
        role = self.resources["ExecutionRole"]["PhysicalResourceId"]
        self.assertEqual(sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]), ["logs", "snapkeep"])
        document = iam.get_role_policy(RoleName=role, PolicyName="snapkeep")["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        self.assertEqual(document, json.loads(self.policy))
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        self.assertEqual(trust["Statement"][0]["Principal"], {"Service": "lambda.amazonaws.com"})

    def test_log_group_topic_and_queue(self):
        groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{STACK}-snapkeep")["logGroups"]
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["retentionInDays"], 90)
        topics = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
        self.assertIn(self.resources["Topic"]["PhysicalResourceId"], topics)
        queue = self.resources["DeadLetterQueue"]["PhysicalResourceId"]
        attrs = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["MessageRetentionPeriod"])
        self.assertEqual(attrs["Attributes"]["MessageRetentionPeriod"], "1209600")

    def test_schedule_as_moto_scheduler_accepts_it(self):
        # moto's CloudFormation skips AWS::Scheduler::Schedule: create it
        # through the Scheduler API with the template's properties.
        props = self.template["Resources"]["Schedule"]["Properties"]
        self.assertEqual(props["ScheduleExpressionTimezone"], {"Ref": "ScheduleTimezone"})
        self.assertEqual(props["State"], {"Ref": "ScheduleState"})
        target = props["Target"]
        self.assertEqual(json.loads(target["Input"].replace("<aws.scheduler.scheduled-time>", "2026-12-01T01:30:00Z")),
                         {"now": "2026-12-01T01:30:00Z"})
        scheduler = client("scheduler")
        role_arn = client("iam").get_role(RoleName=self.resources["SchedulerRole"]["PhysicalResourceId"])["Role"]["Arn"]
        queue_arn = client("sqs").get_queue_attributes(
            QueueUrl=self.resources["DeadLetterQueue"]["PhysicalResourceId"],
            AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        scheduler.create_schedule(
            Name="snapkeep", ScheduleExpression="cron(30 1 * * ? *)", ScheduleExpressionTimezone="Europe/Berlin",
            FlexibleTimeWindow=props["FlexibleTimeWindow"], State="ENABLED",
            Target={"Arn": self.function["FunctionArn"], "RoleArn": role_arn, "Input": target["Input"],
                    "RetryPolicy": target["RetryPolicy"], "DeadLetterConfig": {"Arn": queue_arn}})
        got = scheduler.get_schedule(Name="snapkeep")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Europe/Berlin")
        self.assertEqual(got["Target"]["RetryPolicy"], {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600})
        self.assertEqual(got["Target"]["DeadLetterConfig"]["Arn"], queue_arn)

    def test_alarms_as_moto_cloudwatch_accepts_them(self):
        cloudwatch = client("cloudwatch")
        topic = self.resources["Topic"]["PhysicalResourceId"]
        for logical in ("ErrorsAlarm", "WorkUndoneAlarm", "DeadLetterAlarm"):
            props = dict(self.template["Resources"][logical]["Properties"])
            props["AlarmActions"] = [topic]
            props["Dimensions"] = [{"Name": d["Name"], "Value": "x"} for d in props["Dimensions"]]
            cloudwatch.put_metric_alarm(AlarmName=logical, **props)
        alarms = cloudwatch.describe_alarms()["MetricAlarms"]
        self.assertEqual({a["AlarmName"] for a in alarms}, {"ErrorsAlarm", "WorkUndoneAlarm", "DeadLetterAlarm"})
        # The metric filter matches the summary line `snapkeep lambda` logs
        # for a run that left work undone, and only that one.
        pattern = self.template["Resources"]["WorkUndoneMetric"]["Properties"]["FilterPattern"]
        self.assertEqual(pattern, '{ $.event = "summary" && $.exit_status != 0 }')


class ShardedStackTest(unittest.TestCase):
    """snapkeep-sharded.yaml: the stack on moto, and its state machine's
    definition run by moto's Step Functions interpreter (moto's
    CloudFormation stores state machines from DefinitionString only, so the
    definition is created through the API with the template's
    substitutions), with the Lambda task replaced by a stand-in that
    answers what snapkeep answers: moto runs Lambda functions only in
    Docker."""

    @classmethod
    def setUpClass(cls):
        urllib_reset()
        cls.template = cfn_template.load(SHARDED)
        policy = snapkeep("iam-policy", "--config", os.path.join(ROOT, "examples", "demo.yaml"))
        s3 = client("s3")
        s3.create_bucket(Bucket="snapkeep-code")
        s3.put_object(Bucket="snapkeep-code", Key="snapkeep/pkg.zip", Body=tiny_package())
        cfn = client("cloudformation")
        with open(SHARDED) as f:
            body = f.read()
        cfn.create_stack(StackName="sharded", TemplateBody=body, Capabilities=["CAPABILITY_IAM"], Parameters=[
            {"ParameterKey": "CodeS3Bucket", "ParameterValue": "snapkeep-code"},
            {"ParameterKey": "CodeS3Key", "ParameterValue": "snapkeep/pkg.zip"},
            {"ParameterKey": "ExecutionPolicy", "ParameterValue": policy},
            {"ParameterKey": "Shards", "ParameterValue": "4"},
            {"ParameterKey": "ShardBy", "ParameterValue": "instance"},
        ])
        cls.stack = wait_for_stack(cfn, "sharded")
        cls.resources = {r["LogicalResourceId"]: r for r in
                         cfn.describe_stack_resources(StackName="sharded")["StackResources"]
                         if r.get("LogicalResourceId")}

    def test_stack_is_created_with_the_state_machine(self):
        self.assertEqual(self.stack["StackStatus"], "CREATE_COMPLETE", self.stack.get("StackStatusReason"))
        for logical in ("Function", "StateMachine", "StateMachineRole", "SchedulerRole", "DeadLetterQueue"):
            self.assertIn(logical, self.resources)
        function = client("lambda").get_function(FunctionName="sharded-snapkeep")["Configuration"]
        self.assertEqual(function["Environment"]["Variables"], {"SNAPKEEP_SHARD_BY": "instance"})
        concurrency = client("lambda").get_function_concurrency(FunctionName="sharded-snapkeep")
        self.assertEqual(concurrency.get("ReservedConcurrentExecutions"), 4, "one per shard")
        props = self.template["Resources"]["Schedule"]["Properties"]
        self.assertEqual(props["Target"]["Arn"], {"Ref": "StateMachine"})
        self.assertEqual(json.loads(props["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", "x")),
                         {"now": "x"})

    def definition(self, exit_status):
        props = self.template["Resources"]["StateMachine"]["Properties"]
        text = json.dumps(props["Definition"]).replace("${Shards}", "4").replace(
            "${FunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:sharded-snapkeep")
        self.assertNotIn("${", text)
        definition = json.loads(text)
        states = definition["States"]["Reconcile"]["ItemProcessor"]["States"]
        task = states["Shard"]
        self.assertEqual(task["Parameters"]["Payload.$"], "$", "the event is the iteration's input")
        # The stand-in answers like snapkeep: the summary's shard and exit status.
        states["Shard"] = {"Type": "Pass", "Next": task["Next"], "Parameters": {
            "event.$": "$", "shard.$": "$.shard", "exit_status": exit_status}}
        return definition

    def execute(self, definition, region):
        config = urllib.request.Request(endpoint() + "/moto-api/config", method="POST",
                                        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
        urllib.request.urlopen(config, timeout=30).read()
        sfn = client("stepfunctions", region)
        arn = sfn.create_state_machine(name="shards", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"now": "2026-12-01T03:00:00Z"}))
        for _ in range(300):
            got = sfn.describe_execution(executionArn=execution["executionArn"])
            if got["status"] != "RUNNING":
                return got
            time.sleep(0.1)
        raise AssertionError("the execution did not finish")

    def test_map_invokes_each_shard_once_with_its_event(self):
        got = self.execute(self.definition(0), "us-east-1")
        self.assertEqual(got["status"], "SUCCEEDED", got)
        output = json.loads(got["output"])
        events = [s["event"] for s in output["shards"]]
        self.assertEqual(events, [{"now": "2026-12-01T03:00:00Z", "shard": f"{i}/4"} for i in range(4)])
        self.assertFalse(output["undone"])

    def test_a_shard_that_left_work_undone_fails_the_execution(self):
        got = self.execute(self.definition(1), "us-west-2")
        self.assertEqual(got["status"], "FAILED", got)
        self.assertEqual(got.get("error"), "Snapkeep.WorkUndone")


def urllib_reset():
    import urllib.request
    req = urllib.request.Request(endpoint() + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


if __name__ == "__main__":
    unittest.main()

#include "aws/sns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_query_caller.h"

namespace snapkeep::aws {
namespace {

using ::testing::ElementsAre;
using testing::FakeQueryCaller;
using ::testing::Pair;

constexpr const char* kTopic = "arn:aws:sns:us-east-1:123456789012:backup";

TEST(SnsPublish, SendsTopicSubjectMessageAndReturnsMessageId) {
  FakeQueryCaller caller;
  // moto 5.2.1's answer, verbatim.
  caller.answer(
      R"(<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>e80be20a-f772-4bd9-a38b-89c1bd422daa</MessageId></PublishResult><ResponseMetadata><RequestId>QH3uKDV0DVXuxwCX</RequestId></ResponseMetadata></PublishResponse>)");
  auto id = Sns(caller).publish(kTopic, "snapkeep: 2 failures", "line 1\nline 2 & more");
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(*id, "e80be20a-f772-4bd9-a38b-89c1bd422daa");
  EXPECT_EQ(caller.calls()[0].action, "Publish");
  EXPECT_THAT(caller.calls()[0].params,
              ElementsAre(Pair("TopicArn", kTopic), Pair("Subject", "snapkeep: 2 failures"),
                          Pair("Message", "line 1\nline 2 & more")));
}

TEST(SnsPublish, EmptySubjectIsNotSent) {
  FakeQueryCaller caller;
  caller.answer(
      "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></"
      "PublishResponse>");
  ASSERT_TRUE(Sns(caller).publish(kTopic, "", "hello"));
  EXPECT_THAT(caller.calls()[0].params,
              ElementsAre(Pair("TopicArn", kTopic), Pair("Message", "hello")));
}

TEST(SnsPublish, RefusesWhatSnsWouldRejectWithoutCalling) {
  FakeQueryCaller caller;
  Sns sns(caller);
  EXPECT_EQ(sns.publish(kTopic, "two\nlines", "m").error().kind, ErrorKind::invalid);
  EXPECT_EQ(sns.publish(kTopic, std::string(100, 's'), "m").error().kind, ErrorKind::invalid);
  EXPECT_EQ(sns.publish(kTopic, "s", "").error().kind, ErrorKind::invalid);
  EXPECT_EQ(sns.publish(kTopic, "s", std::string(Sns::max_message_bytes + 1, 'x')).error().kind,
            ErrorKind::invalid);
  EXPECT_EQ(sns.publish("", "s", "m").error().kind, ErrorKind::invalid);
  EXPECT_TRUE(caller.calls().empty());
  caller.answer(
      "<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>");
  EXPECT_TRUE(sns.publish(kTopic, std::string(99, 's'), std::string(Sns::max_message_bytes, 'x')));
}

TEST(SnsPublish, AnswerWithoutMessageIdIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer("<PublishResponse><PublishResult/></PublishResponse>");
  auto id = Sns(caller).publish(kTopic, "", "m");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(id.error().action, "Publish");
}

TEST(SnsPublish, ErrorsPassThrough) {
  FakeQueryCaller caller;
  AwsError error;
  error.kind = ErrorKind::not_found;
  error.code = "NotFound";
  error.http_status = 404;
  caller.fail(error);
  auto id = Sns(caller).publish(kTopic, "", "m");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, "NotFound");
}

}  // namespace
}  // namespace snapkeep::aws

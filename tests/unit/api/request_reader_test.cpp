// HTTP/1.x request framing: split input, limits, and the refusals RFC 9112 requires.
#include "request_reader.h"

#include <gtest/gtest.h>

namespace firma::api::detail {
namespace {

using State = RequestReader::State;

State feed_all(RequestReader& reader, std::string text) {
  std::string_view input(text);
  State state = State::need_more;
  while (!input.empty()) {
    state = reader.feed(input);
    if (state != State::need_more) break;
  }
  return state;
}

TEST(ApiRequestReader, ReadsARequestSplitAtEveryByte) {
  const std::string text =
      "POST /v1/things?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Two: a\r\nx-two: b\r\n\r\nhello";
  RequestReader reader(1024, 1024);
  State state = State::need_more;
  for (char c : text) {
    std::string_view one(&c, 1);
    ASSERT_EQ(state, State::need_more);
    state = reader.feed(one);
    EXPECT_TRUE(one.empty());
  }
  ASSERT_EQ(state, State::complete);
  auto request = reader.take();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v1/things");
  EXPECT_EQ(request.query, "x=1");
  EXPECT_EQ(request.body, "hello");
  EXPECT_TRUE(request.http11);
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.header("x-two").value_or(""), "a, b");
  EXPECT_FALSE(reader.in_progress());
}

TEST(ApiRequestReader, LeavesPipelinedBytesForTheNextRequest) {
  RequestReader reader(1024, 1024);
  std::string text = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  std::string_view input(text);
  ASSERT_EQ(reader.feed(input), State::complete);
  EXPECT_EQ(reader.take().path, "/a");
  ASSERT_EQ(reader.feed(input), State::complete);
  EXPECT_EQ(reader.take().path, "/b");
  EXPECT_TRUE(input.empty());
}

TEST(ApiRequestReader, ConnectionPersistenceFollowsRfc9112) {
  struct Case {
    const char* head;
    bool keep_alive;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
  };
  for (const auto& c : cases) {
    RequestReader reader(1024, 1024);
    ASSERT_EQ(feed_all(reader, c.head), State::complete) << c.head;
    EXPECT_EQ(reader.take().keep_alive, c.keep_alive) << c.head;
  }
}

TEST(ApiRequestReader, RefusesAnOversizeDeclarationBeforeTheBody) {
  RequestReader reader(1024, 100);
  std::string text = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n";
  std::string_view input(text);
  ASSERT_EQ(reader.feed(input), State::refused);
  EXPECT_EQ(reader.refusal().error.code, ErrorCode::payload_too_large);
  EXPECT_EQ(reader.refusal().method, "POST");
}

TEST(ApiRequestReader, RefusesOversizeHeaders) {
  RequestReader reader(64, 100);
  EXPECT_EQ(feed_all(reader, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(100, 'p')), State::refused);
  EXPECT_EQ(reader.refusal().error.code, ErrorCode::payload_too_large);
  RequestReader complete(64, 100);
  EXPECT_EQ(feed_all(complete, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n"),
            State::refused);
}

TEST(ApiRequestReader, RefusesMalformedFraming) {
  const char* bad[] = {
      "GET /\r\nHost: a\r\n\r\n",                                                 // no version
      "GET / HTTP/2.0\r\nHost: a\r\n\r\n",                                        // unsupported version
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                                       // two spaces
      "GET x HTTP/1.1\r\nHost: a\r\n\r\n",                                        // not origin-form
      "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",                                        // method not a token
      "GET / HTTP/1.1\r\n\r\n",                                                   // HTTP/1.1 without Host
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",                                       // space before colon
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n",                     // obs-fold
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",  // conflicting lengths
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n",
  };
  for (const char* text : bad) {
    RequestReader reader(1024, 1024);
    EXPECT_EQ(feed_all(reader, text), State::refused) << text;
    EXPECT_EQ(reader.refusal().error.code, ErrorCode::invalid_request) << text;
  }
}

TEST(ApiRequestReader, AsksForALengthInsteadOfAChunkedBody) {
  RequestReader reader(1024, 1024);
  EXPECT_EQ(feed_all(reader, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
            State::refused);
  EXPECT_EQ(reader.refusal().status, 411);
}

TEST(ApiRequestReader, AbsoluteFormIsReducedToItsPath) {
  RequestReader reader(1024, 1024);
  ASSERT_EQ(feed_all(reader, "GET http://firma.example/healthz?a=b HTTP/1.1\r\nHost: firma.example\r\n\r\n"), State::complete);
  auto request = reader.take();
  EXPECT_EQ(request.path, "/healthz");
  EXPECT_EQ(request.query, "a=b");
}

TEST(ApiRequestReader, OffersContinueOnceForAnExpectedBody) {
  RequestReader reader(1024, 1024);
  std::string head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  std::string_view input(head);
  ASSERT_EQ(reader.feed(input), State::need_more);
  EXPECT_TRUE(reader.in_progress());
  EXPECT_TRUE(reader.take_continue());
  EXPECT_FALSE(reader.take_continue());
  std::string body = "ok";
  std::string_view rest(body);
  EXPECT_EQ(reader.feed(rest), State::complete);

  RequestReader no_body(1024, 1024);
  EXPECT_EQ(feed_all(no_body, "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"), State::complete);
  EXPECT_FALSE(no_body.take_continue());
}

TEST(ApiRequestReader, IgnoresEmptyLinesBeforeTheRequestLine) {
  RequestReader reader(1024, 1024);
  EXPECT_EQ(feed_all(reader, "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), State::complete);
}

}  // namespace
}  // namespace firma::api::detail

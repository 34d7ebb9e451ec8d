// HTTP/1.x request framing: split input, limits, and the refusals RFC 9112 requires.
#include "request_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

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
      "GET /\r\nHost: a\r\n\r\n",                                                      // no version
      "GET / HTTP/2.0\r\nHost: a\r\n\r\n",                                             // unsupported version
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                                            // two spaces
      "GET x HTTP/1.1\r\nHost: a\r\n\r\n",                                             // not origin-form
      "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",                                             // method not a token
      "GET / HTTP/1.1\r\n\r\n",                                                        // HTTP/1.1 without Host
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",                                            // space before colon
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n",                          // obs-fold
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
  ASSERT_EQ(feed_all(reader, "GET http://firma.example/healthz?a=b HTTP/1.1\r\nHost: firma.example\r\n\r\n"),
            State::complete);
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

TEST(ApiRequestReader, PipelinedRequestsWithBodiesSplitAnywhere) {
  const std::string text =
      "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /c HTTP/1.0\r\nContent-Length: 2\r\n\r\nxy";
  // Every split point of the stream into two reads gives the same three requests.
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    RequestReader reader(1024, 1024);
    std::vector<ParsedRequest> got;
    for (std::string_view part : {std::string_view(text).substr(0, cut), std::string_view(text).substr(cut)}) {
      while (!part.empty()) {
        auto state = reader.feed(part);
        ASSERT_NE(state, State::refused) << cut;
        if (state == State::complete) got.push_back(reader.take());
      }
    }
    ASSERT_EQ(got.size(), 3u) << cut;
    EXPECT_EQ(got[0].path, "/a");
    EXPECT_EQ(got[0].body, "abc");
    EXPECT_TRUE(got[0].keep_alive);
    EXPECT_EQ(got[1].path, "/b");
    EXPECT_EQ(got[1].body, "");
    EXPECT_EQ(got[2].path, "/c");
    EXPECT_EQ(got[2].body, "xy");
    EXPECT_FALSE(got[2].http11);
    EXPECT_FALSE(got[2].keep_alive);
  }
}

TEST(ApiRequestReader, Http10AndHttp11ConnectionSemantics) {
  struct Case {
    const char* head;
    bool http11;
    bool keep_alive;
  } cases[] = {
      {"GET / HTTP/1.0\r\nConnection: close\r\n\r\n", false, false},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", false, true},
      {"GET / HTTP/1.0\r\nConnection: upgrade\r\n\r\n", false, false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n", true, false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", true, false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", true, true},
  };
  for (const auto& c : cases) {
    RequestReader reader(1024, 1024);
    ASSERT_EQ(feed_all(reader, c.head), State::complete) << c.head;
    auto request = reader.take();
    EXPECT_EQ(request.http11, c.http11) << c.head;
    EXPECT_EQ(request.keep_alive, c.keep_alive) << c.head;
  }
  // HTTP/1.0 needs no Host; an HTTP/1.0 client is never asked to continue.
  RequestReader reader(1024, 1024);
  std::string head = "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  std::string_view input(head);
  ASSERT_EQ(reader.feed(input), State::need_more);
  EXPECT_FALSE(reader.take_continue());
}

TEST(ApiRequestReader, ContentLengthRepeatsMustAgreeAndFit) {
  struct Case {
    const char* field;
    State state;
    ErrorCode code;
  } cases[] = {
      {"Content-Length: 3\r\nContent-Length: 3", State::complete, ErrorCode::internal},
      {"Content-Length: 003", State::complete, ErrorCode::internal},
      {"Content-Length:3", State::complete, ErrorCode::internal},
      {"Content-Length: 3\r\nContent-Length: 4", State::refused, ErrorCode::invalid_request},
      {"Content-Length: 3, 3", State::refused, ErrorCode::invalid_request},
      {"Content-Length: +3", State::refused, ErrorCode::invalid_request},
      {"Content-Length: 0x3", State::refused, ErrorCode::invalid_request},
      {"Content-Length: ", State::refused, ErrorCode::invalid_request},
      {"Content-Length: 3 3", State::refused, ErrorCode::invalid_request},
      // Values that overflow 64 bits, or any integer type, are refused as malformed, never wrapped.
      {"Content-Length: 18446744073709551616", State::refused, ErrorCode::invalid_request},
      {"Content-Length: 99999999999999999999999999999999", State::refused, ErrorCode::invalid_request},
      // Large but representable: refused for its size, before any body byte.
      {"Content-Length: 999999999999999999", State::refused, ErrorCode::payload_too_large},
      {"Content-Length: 1025", State::refused, ErrorCode::payload_too_large},
  };
  for (const auto& c : cases) {
    RequestReader reader(1024, 1024);
    const std::string text = "POST / HTTP/1.1\r\nHost: a\r\n" + std::string(c.field) + "\r\n\r\nabc";
    ASSERT_EQ(feed_all(reader, text), c.state) << c.field;
    if (c.state == State::refused) {
      EXPECT_EQ(reader.refusal().error.code, c.code) << c.field;
    } else {
      EXPECT_EQ(reader.take().body, "abc") << c.field;
    }
  }
}

TEST(ApiRequestReader, TransferCodingsAreRefusedWithLengthRequired) {
  for (const char* field :
       {"Transfer-Encoding: chunked", "Transfer-Encoding: identity", "transfer-encoding: gzip, chunked",
        "Content-Length: 5\r\nTransfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nContent-Length: 5"}) {
    RequestReader reader(1024, 1024);
    EXPECT_EQ(
        feed_all(reader, "POST / HTTP/1.1\r\nHost: a\r\n" + std::string(field) + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        State::refused)
        << field;
    EXPECT_EQ(reader.refusal().status, 411) << field;
  }
}

TEST(ApiRequestReader, RefusesBadLinesAndFields) {
  using namespace std::string_literals;
  const std::string bad[] = {
      "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",                   // trailing space
      " GET / HTTP/1.1\r\nHost: a\r\n\r\n",                   // leading space
      "GET / http/1.1\r\nHost: a\r\n\r\n",                    // version is case-sensitive
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",         // two Hosts (RFC 9112 3.2)
      "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",         // no colon
      "GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n",    // empty field name
      "GET / HTTP/1.1\r\nHost: a\r\nX\tY: 1\r\n\r\n",         // name not a token
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",         // bare CR in a value
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n",         // bare LF in a value
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n",       // control character in a value
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s,        // NUL in a value
      "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"s,                 // NUL in the target
      "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n",               // DEL in the target
      "GET * HTTP/1.1\r\nHost: a\r\n\r\n",                    // asterisk-form
      "GETTINGVERYLONGMETHOD / HTTP/1.1\r\nHost: a\r\n\r\n",  // method longer than 16
      "\x80\xff / HTTP/1.1\r\nHost: a\r\n\r\n",               // bytes that are no token
  };
  for (const auto& text : bad) {
    RequestReader reader(1024, 1024);
    EXPECT_EQ(feed_all(reader, text), State::refused) << text;
    EXPECT_EQ(reader.refusal().error.code, ErrorCode::invalid_request) << text;
  }
  // obs-text in a value (RFC 9110 5.5) and a tab are allowed.
  RequestReader reader(1024, 1024);
  EXPECT_EQ(feed_all(reader, "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\tok\r\n\r\n"), State::complete);
}

TEST(ApiRequestReader, HeadLimitCountsTheRequestLineAndEveryField) {
  // The limit is on the request line and the fields, without the CRLF that ends the last one and the
  // blank line: exactly at it is accepted, one byte over is refused.
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  const std::size_t line_and_fields = head.size() - 2;
  for (std::size_t limit : {line_and_fields, line_and_fields - 1}) {
    RequestReader reader(limit, 0);
    EXPECT_EQ(feed_all(reader, head + "\r\n"), limit == line_and_fields ? State::complete : State::refused) << limit;
  }
  // Many small fields add up.
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 2000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  RequestReader reader(4096, 0);
  EXPECT_EQ(feed_all(reader, many + "\r\n"), State::refused);
  EXPECT_EQ(reader.refusal().error.code, ErrorCode::payload_too_large);
  // A head that never ends is refused once it passes the limit, without waiting for more.
  RequestReader endless(1024, 0);
  EXPECT_EQ(feed_all(endless, "GET / HTTP/1.1\r\n" + std::string(2048, 'a')), State::refused);
}

TEST(ApiRequestReader, ABodyAtTheLimitIsAcceptedAndNotOneByteMore) {
  RequestReader reader(1024, 4);
  EXPECT_EQ(feed_all(reader, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd"), State::complete);
  EXPECT_EQ(reader.take().body, "abcd");
  EXPECT_EQ(feed_all(reader, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde"), State::refused);
  EXPECT_EQ(reader.refusal().error.code, ErrorCode::payload_too_large);
}

TEST(ApiRequestReader, SurvivesArbitraryBytes) {
  // Not a fuzzer (tests/fuzz has one), but any build runs it: random and mutated input never crashes,
  // never loops, and every state is one of the three.
  std::mt19937 random(20261207);
  const std::string seed = "POST /v1/x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody";
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      const auto at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0: text.insert(at, 1, static_cast<char>(random() % 256)); break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = static_cast<char>(random() % 256);
          break;
      }
    }
    if (round % 3 == 0) text = std::string(random() % 200, '\0') + text;
    RequestReader reader(128, 64);
    std::string_view input(text);
    for (int steps = 0; !input.empty(); ++steps) {
      ASSERT_LT(steps, 10000) << "the reader stopped consuming";
      std::string_view piece = input.substr(0, 1 + random() % 16);
      const std::size_t before = piece.size();
      const auto state = reader.feed(piece);
      input.remove_prefix(before - piece.size());
      if (state == State::refused) break;
      if (state == State::complete) {
        auto request = reader.take();
        EXPECT_FALSE(request.method.empty());
        EXPECT_EQ(request.path.front(), '/');
      }
    }
  }
}

}  // namespace
}  // namespace firma::api::detail

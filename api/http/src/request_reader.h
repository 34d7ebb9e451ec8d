// Incremental HTTP/1.x request framing (RFC 9112): request line, header fields and a Content-Length body.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace firma::api::detail {

// Framing is ours, not Pistache 0.0.5's: its parser reserves Content-Length bytes before anyone can
// refuse them, answers overflows in text/plain, and its typed header parsers (Expect, Cache-Control,
// chunk sizes) run strcmp/strtol over buffers that are not NUL-terminated (AddressSanitizer finds them).
// Pistache still owns the sockets, TLS, the I/O threads and response writing.
struct ParsedRequest {
  std::string method;
  std::string path;   // origin-form path, without the query
  std::string query;  // raw text after '?'
  bool http11 = true;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased; repeats joined with ", "
  std::string body;
  bool keep_alive = true;  // RFC 9112 9.3

  std::optional<std::string> header(std::string_view lower_name) const;
};

// A refusal carries the HTTP status to answer with: the ErrorCode's own, or 411 for a body without
// Content-Length (chunked uploads are not accepted).
struct Refusal {
  Error error;
  int status = 400;
  std::string method;  // as far as it was read, for metrics
  std::string path;    // once the request line was read: whose error dialect answers
};

class RequestReader {
 public:
  enum class State { need_more, complete, refused };

  RequestReader(std::size_t max_head_bytes, std::size_t max_body_bytes)
      : max_head_(max_head_bytes), max_body_(max_body_bytes) {}

  // Consumes bytes from the front of input until a request is complete (the rest stays in input:
  // pipelined requests), more bytes are needed, or the request is refused (the connection is then
  // beyond repair and must not be read further).
  State feed(std::string_view& input);

  // True once, when the head is complete, a body is still due and the client sent
  // "Expect: 100-continue" (RFC 9110 10.1.1): the server should say 100 Continue now.
  bool take_continue() noexcept;
  // True while some bytes of a request have arrived and it is not complete.
  bool in_progress() const noexcept { return !buffer_.empty() || head_done_; }

  ParsedRequest take();  // after complete; resets the reader for the next request
  const Refusal& refusal() const noexcept { return refusal_; }

 private:
  State refuse(ErrorCode code, std::string detail, int status = 0);
  State parse_head(std::string_view head);

  std::size_t max_head_;
  std::size_t max_body_;
  std::string buffer_;  // head bytes until the blank line
  bool head_done_ = false;
  std::size_t body_length_ = 0;
  bool continue_due_ = false;
  ParsedRequest request_;
  Refusal refusal_{};
};

}  // namespace firma::api::detail

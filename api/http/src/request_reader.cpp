// HTTP/1.x request framing: strict where RFC 9112 says a server MUST reject, bounded everywhere.
#include "request_reader.h"

#include <algorithm>

#include "api/http/text.h"

namespace firma::api::detail {

std::optional<std::string> ParsedRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return std::nullopt;
}

RequestReader::State RequestReader::refuse(ErrorCode code, std::string detail, int status) {
  refusal_.error = make_error(code, std::move(detail));
  refusal_.status = status;
  if (refusal_.path.empty()) refusal_.path = request_.path;
  if (refusal_.method.empty()) {
    auto candidate = std::string_view(buffer_).substr(0, std::min<std::size_t>(buffer_.find(' '), 16));
    if (is_token(candidate)) refusal_.method = std::string(candidate);
  }
  return State::refused;
}

RequestReader::State RequestReader::feed(std::string_view& input) {
  if (!head_done_) {
    // RFC 9112 2.2: empty lines before the request line are ignored.
    while (buffer_.empty() && !input.empty() && (input.front() == '\r' || input.front() == '\n'))
      input.remove_prefix(1);
    const std::size_t search_from = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
    const std::size_t room = max_head_ + 4 - std::min(buffer_.size(), max_head_ + 4);
    const std::size_t take = std::min(input.size(), room);
    buffer_.append(input.substr(0, take));
    const auto end = buffer_.find("\r\n\r\n", search_from);
    if (end == std::string::npos) {
      input.remove_prefix(take);
      // Refused only once no blank line could still start within the limit, so that where the input is cut
      // into pieces never changes the outcome (a blank line may begin at byte max_head_).
      if (buffer_.size() >= max_head_ + 4)
        return refuse(ErrorCode::payload_too_large,
                      "request line and headers exceed " + std::to_string(max_head_) + " bytes");
      return State::need_more;
    }
    if (end > max_head_)
      return refuse(ErrorCode::payload_too_large,
                    "request line and headers exceed " + std::to_string(max_head_) + " bytes");
    // Give back what arrived after the blank line: it is body (or the next request).
    const std::size_t used = take - (buffer_.size() - (end + 4));
    input.remove_prefix(used);
    buffer_.resize(end + 4);
    if (auto state = parse_head(std::string_view(buffer_).substr(0, end + 2)); state == State::refused) return state;
    head_done_ = true;
    buffer_.clear();
    // Reserve modestly: a declared length is a promise the client may not keep.
    request_.body.reserve(std::min<std::size_t>(body_length_, 64 * 1024));
  }
  const std::size_t missing = body_length_ - request_.body.size();
  const std::size_t take = std::min(missing, input.size());
  request_.body.append(input.substr(0, take));
  input.remove_prefix(take);
  return request_.body.size() == body_length_ ? State::complete : State::need_more;
}

RequestReader::State RequestReader::parse_head(std::string_view head) {
  // request-line = method SP request-target SP HTTP-version (RFC 9112 3)
  const auto line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(ErrorCode::invalid_request, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || method.size() > 16) return refuse(ErrorCode::invalid_request, "malformed method");
  refusal_.method = std::string(method);
  if (version == "HTTP/1.1") {
    request_.http11 = true;
  } else if (version == "HTTP/1.0") {
    request_.http11 = false;
  } else {
    return refuse(ErrorCode::invalid_request, "unsupported HTTP version");
  }
  // absolute-form (RFC 9112 3.2.2) is reduced to its path; only origin-form is routed.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && ascii_lower(target.substr(0, scheme.size())) == scheme) {
      auto slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  if (target.empty() || target.front() != '/') return refuse(ErrorCode::invalid_request, "malformed request target");
  if (std::any_of(target.begin(), target.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return refuse(ErrorCode::invalid_request, "malformed request target");
  target = target.substr(0, target.find('#'));
  const auto question = target.find('?');
  request_.method = std::string(method);
  request_.path = std::string(target.substr(0, question));
  refusal_.path = request_.path;
  request_.query = question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));

  std::optional<std::string> content_length;
  bool has_host = false;
  std::size_t pos = line_end;
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view field =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    pos = end;
    if (field.empty()) continue;
    // RFC 9112 5.2: obsolete line folding is rejected; 5.1: no whitespace before the colon.
    if (field.front() == ' ' || field.front() == '\t') return refuse(ErrorCode::invalid_request, "folded header field");
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon)))
      return refuse(ErrorCode::invalid_request, "malformed header field");
    const std::string name = ascii_lower(field.substr(0, colon));
    const std::string_view value = trim_ows(field.substr(colon + 1));
    // RFC 9110 5.5: control characters other than HTAB (NUL, a bare CR or LF) have no place in a value.
    if (std::any_of(value.begin(), value.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && u != '\t') || u == 0x7f;
        }))
      return refuse(ErrorCode::invalid_request, "malformed header field");

    if (name == "content-length") {
      // RFC 9112 6.3: a malformed or a second, different length makes the framing unreliable.
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          (content_length && *content_length != value))
        return refuse(ErrorCode::invalid_request, "malformed Content-Length");
      content_length = std::string(value);
      continue;
    }
    if (name == "transfer-encoding") {
      // RFC 9112 6.1: a server that does not accept a transfer coding answers 411 to ask for a length.
      return refuse(ErrorCode::invalid_request, "request bodies must be sent with Content-Length", 411);
    }
    if (name == "host") {
      // RFC 9112 3.2: more than one Host is answered 400 (two could route one request two ways).
      if (has_host) return refuse(ErrorCode::invalid_request, "more than one Host header");
      has_host = true;
    }
    auto existing =
        std::find_if(request_.headers.begin(), request_.headers.end(), [&](const auto& h) { return h.first == name; });
    if (existing != request_.headers.end()) {
      existing->second += ", ";
      existing->second += value;
    } else {
      request_.headers.emplace_back(name, std::string(value));
    }
  }
  // RFC 9112 3.2: an HTTP/1.1 request without Host is answered 400.
  if (request_.http11 && !has_host) return refuse(ErrorCode::invalid_request, "missing Host header");

  body_length_ = content_length ? std::stoull(*content_length) : 0;
  if (body_length_ > max_body_)
    return refuse(ErrorCode::payload_too_large, "request body is larger than " + std::to_string(max_body_) + " bytes");

  const std::string connection = request_.header("connection").value_or("");
  request_.keep_alive =
      list_has_token(connection, "close") ? false : request_.http11 || list_has_token(connection, "keep-alive");
  continue_due_ =
      request_.http11 && body_length_ > 0 && ascii_lower(request_.header("expect").value_or("")) == "100-continue";
  return State::need_more;
}

bool RequestReader::take_continue() noexcept {
  const bool due = continue_due_;
  continue_due_ = false;
  return due;
}

ParsedRequest RequestReader::take() {
  ParsedRequest out = std::move(request_);
  request_ = ParsedRequest{};
  buffer_.clear();
  head_done_ = false;
  body_length_ = 0;
  continue_due_ = false;
  refusal_ = Refusal{};
  return out;
}

}  // namespace firma::api::detail

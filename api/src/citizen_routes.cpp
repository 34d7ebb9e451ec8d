// /v1/citizens/...: thin handlers (parse, rate-limit, call the CitizenService, render).
#include "api/citizen_routes.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/secret.h"
#include "identity/citizens.h"
#include "policies/nif.h"

namespace firma::api {
namespace {

constexpr std::size_t kMaxChallengeId = 100;

struct Context {
  identity::CitizenService& citizens;
  CitizenThrottle throttle;
};

Response started(const identity::ChallengeStarted& s) {
  return json_response(202, {{"challenge_id", s.challenge_id.str()},
                             {"otp_sent_to", s.masked_mobile},
                             {"expires_at", to_rfc3339(s.expires_at)}});
}

Response password_set(const identity::PasswordSet& s) {
  return json_response(
      200, {{"status", std::string(to_string(s.status))}, {"password_expires_at", to_rfc3339(s.password_expires_at)}});
}

// The body's fields, checked for presence and type; a problem when one is missing or wrong.
struct Fields {
  nlohmann::json body;
  std::optional<Response> error;

  std::string text(std::string_view name) {
    if (error) return {};
    auto value = required_field<std::string>(body, name);
    if (!value) {
      error = problem(value.error());
      return {};
    }
    return std::move(*value);
  }
  Secret secret(std::string_view name) { return Secret(text(name)); }
};

Fields fields_of(const Request& r) {
  auto body = parse_json_object(r.body);
  if (!body) return Fields{{}, problem(body.error())};
  return Fields{std::move(*body), std::nullopt};
}

std::optional<Response> check_nif(const std::string& text, std::optional<policies::Nif>& out) {
  auto nif = policies::Nif::parse(text);
  if (!nif) return problem(ErrorCode::invalid_request, "nif: " + nif.error().message);
  out.emplace(std::move(*nif));
  return std::nullopt;
}

std::optional<Response> check_challenge(const std::string& id) {
  if (id.empty() || id.size() > kMaxChallengeId)
    return problem(ErrorCode::invalid_request, "field 'challenge_id' is not a challenge id");
  return std::nullopt;
}

std::optional<Response> check_otp(const Secret& otp) {
  const auto code = otp.reveal();
  bool digits = code.size() >= 4 && code.size() <= 10;
  for (char c : code) digits = digits && c >= '0' && c <= '9';
  if (!digits) return problem(ErrorCode::invalid_request, "field 'otp' must be the digits received by SMS");
  return std::nullopt;
}

// A step that starts with a NIF: address limit, fields, NIF, NIF limit, then the service.
template <class Call>
Response with_nif(const Context& ctx, const Request& r, Call call) {
  if (auto refused = ctx.throttle.by_address(r)) return *refused;
  Fields f = fields_of(r);
  std::string nif_text = f.text("nif");
  if (f.error) return *f.error;
  std::optional<policies::Nif> nif;
  if (auto bad = check_nif(nif_text, nif)) return *bad;
  if (auto refused = ctx.throttle.by_nif(nif_text)) return *refused;
  return call(*nif, f);
}

// A step that names a challenge: address limit, fields, challenge limit, then the service.
template <class Call>
Response with_challenge(const Context& ctx, const Request& r, bool needs_otp, Call call) {
  if (auto refused = ctx.throttle.by_address(r)) return *refused;
  Fields f = fields_of(r);
  std::string id = f.text("challenge_id");
  Secret otp = needs_otp ? f.secret("otp") : Secret();
  if (f.error) return *f.error;
  if (auto bad = check_challenge(id)) return *bad;
  if (needs_otp)
    if (auto bad = check_otp(otp)) return *bad;
  if (auto refused = ctx.throttle.by_challenge(id)) return *refused;
  return call(ChallengeId(std::move(id)), otp, f);
}

}  // namespace

std::vector<Route> citizen_routes(identity::CitizenService& citizens, identity::RateLimiter& limiter,
                                  CitizenRoutesOptions options) {
  auto ctx = std::make_shared<const Context>(Context{citizens, CitizenThrottle(limiter, std::move(options))});
  std::vector<Route> routes;

  routes.push_back({"POST", "/v1/citizens/activation", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_nif(*ctx, r, [&](const policies::Nif& nif, Fields& f) {
                        std::string email = f.text("email");
                        Secret code = f.secret("activation_code");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_activation(nif, email, code);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.activation"});

  routes.push_back({"POST", "/v1/citizens/activation/complete", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_challenge(*ctx, r, true, [&](const ChallengeId& id, const Secret& otp, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.complete_activation(id, otp, password);
                        return s ? password_set(*s) : problem(s.error());
                      });
                    },
                    "citizens.activation.complete"});

  routes.push_back({"POST", "/v1/citizens/password/reset", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_nif(*ctx, r, [&](const policies::Nif& nif, Fields& f) {
                        Secret code = f.secret("activation_code");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_password_reset(nif, code);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.reset"});

  routes.push_back({"POST", "/v1/citizens/password/reset/complete", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_challenge(*ctx, r, true, [&](const ChallengeId& id, const Secret& otp, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.complete_password_reset(id, otp, password);
                        return s ? password_set(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.reset.complete"});

  routes.push_back({"POST", "/v1/citizens/password/change", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_nif(*ctx, r, [&](const policies::Nif& nif, Fields& f) {
                        Secret password = f.secret("password");
                        Secret new_password = f.secret("new_password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_password_change(nif, password, new_password);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.change"});

  routes.push_back({"POST", "/v1/citizens/password/change/complete", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_challenge(*ctx, r, true, [&](const ChallengeId& id, const Secret& otp, Fields&) {
                        auto s = ctx->citizens.complete_password_change(id, otp);
                        if (!s) return problem(s.error());
                        return json_response(200, {{"password_expires_at", to_rfc3339(s->password_expires_at)}});
                      });
                    },
                    "citizens.password.change.complete"});

  routes.push_back({"POST", "/v1/citizens/deregistration", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_nif(*ctx, r, [&](const policies::Nif& nif, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_deregistration(nif, password);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.deregistration"});

  routes.push_back({"POST", "/v1/citizens/deregistration/complete", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_challenge(*ctx, r, true, [&](const ChallengeId& id, const Secret& otp, Fields&) {
                        auto s = ctx->citizens.complete_deregistration(id, otp);
                        if (!s) return problem(s.error());
                        return json_response(200, {{"status", std::string(to_string(s->status))}});
                      });
                    },
                    "citizens.deregistration.complete"});

  routes.push_back({"POST", "/v1/citizens/otp/resend", Access::anyone, {},
                    [ctx](const Request& r) {
                      return with_challenge(*ctx, r, false, [&](const ChallengeId& id, const Secret&, Fields&) {
                        auto s = ctx->citizens.resend_otp(id);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.otp.resend"});
  return routes;
}

}  // namespace firma::api

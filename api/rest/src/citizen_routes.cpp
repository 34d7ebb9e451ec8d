// /v1/citizens/...: thin handlers (parse, call the CitizenService, render), each with its throttle declared.
#include "api/rest/citizen_routes.h"

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

// The first fields of a step that starts with a NIF: the answer when the request is refused.
std::optional<Response> read_nif(Fields& f, std::optional<policies::Nif>& nif, std::string& typed) {
  typed = f.text("nif");
  if (f.error) return f.error;
  return check_nif(typed, nif);
}

// The first fields of a step that names a challenge: the answer when the request is refused.
std::optional<Response> read_challenge(Fields& f, bool needs_otp, std::string& id, Secret& otp) {
  id = f.text("challenge_id");
  if (needs_otp) otp = f.secret("otp");
  if (f.error) return f.error;
  if (auto bad = check_challenge(id)) return bad;
  if (needs_otp) return check_otp(otp);
  return std::nullopt;
}

// The NIF as typed, counted by the dispatcher (Throttle::Subject::nif) when the handler goes on with it.
std::optional<std::string> typed_nif(const Request& r) {
  Fields f = fields_of(r);
  std::optional<policies::Nif> nif;
  std::string typed;
  if (read_nif(f, nif, typed)) return std::nullopt;
  return typed;
}

// The challenge a step names, counted by the dispatcher (Throttle::Subject::challenge) when the handler goes on.
std::optional<std::string> named_challenge(const Request& r, bool needs_otp) {
  Fields f = fields_of(r);
  std::string id;
  Secret otp;
  if (read_challenge(f, needs_otp, id, otp)) return std::nullopt;
  return id;
}

// A step that starts with a NIF (the dispatcher has counted the address and the NIF): fields, then the service.
template <class Call>
Response with_nif(const Request& r, Call call) {
  Fields f = fields_of(r);
  std::optional<policies::Nif> nif;
  std::string typed;
  if (auto refused = read_nif(f, nif, typed)) return *refused;
  return call(*nif, f);
}

// A step that names a challenge (the dispatcher has counted the address and the challenge): fields, then the service.
template <class Call>
Response with_challenge(const Request& r, bool needs_otp, Call call) {
  Fields f = fields_of(r);
  std::string id;
  Secret otp;
  if (auto refused = read_challenge(f, needs_otp, id, otp)) return *refused;
  return call(ChallengeId(std::move(id)), otp, f);
}

}  // namespace

std::vector<Route> citizen_routes(identity::CitizenService& citizens, identity::RateLimiter& limiter,
                                  CitizenRoutesOptions options) {
  auto ctx = std::make_shared<const Context>(Context{citizens});
  auto buckets = std::make_shared<const CitizenThrottle>(limiter, std::move(options));
  const Throttle per_nif{buckets, Throttle::Subject::nif, typed_nif};
  const Throttle per_challenge{buckets, Throttle::Subject::challenge,
                               [](const Request& r) { return named_challenge(r, true); }};
  const Throttle per_resent_challenge{buckets, Throttle::Subject::challenge,
                                      [](const Request& r) { return named_challenge(r, false); }};
  std::vector<Route> routes;

  routes.push_back({"POST",
                    "/v1/citizens/activation",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_nif(r, [&](const policies::Nif& nif, Fields& f) {
                        std::string email = f.text("email");
                        Secret code = f.secret("activation_code");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_activation(nif, email, code);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.activation",
                    per_nif});

  routes.push_back({"POST",
                    "/v1/citizens/activation/complete",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_challenge(r, true, [&](const ChallengeId& id, const Secret& otp, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.complete_activation(id, otp, password);
                        return s ? password_set(*s) : problem(s.error());
                      });
                    },
                    "citizens.activation.complete",
                    per_challenge});

  routes.push_back({"POST",
                    "/v1/citizens/password/reset",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_nif(r, [&](const policies::Nif& nif, Fields& f) {
                        Secret code = f.secret("activation_code");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_password_reset(nif, code);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.reset",
                    per_nif});

  routes.push_back({"POST",
                    "/v1/citizens/password/reset/complete",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_challenge(r, true, [&](const ChallengeId& id, const Secret& otp, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.complete_password_reset(id, otp, password);
                        return s ? password_set(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.reset.complete",
                    per_challenge});

  routes.push_back({"POST",
                    "/v1/citizens/password/change",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_nif(r, [&](const policies::Nif& nif, Fields& f) {
                        Secret password = f.secret("password");
                        Secret new_password = f.secret("new_password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_password_change(nif, password, new_password);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.password.change",
                    per_nif});

  routes.push_back({"POST",
                    "/v1/citizens/password/change/complete",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_challenge(r, true, [&](const ChallengeId& id, const Secret& otp, Fields&) {
                        auto s = ctx->citizens.complete_password_change(id, otp);
                        if (!s) return problem(s.error());
                        return json_response(200, {{"password_expires_at", to_rfc3339(s->password_expires_at)}});
                      });
                    },
                    "citizens.password.change.complete",
                    per_challenge});

  routes.push_back({"POST",
                    "/v1/citizens/deregistration",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_nif(r, [&](const policies::Nif& nif, Fields& f) {
                        Secret password = f.secret("password");
                        if (f.error) return *f.error;
                        auto s = ctx->citizens.start_deregistration(nif, password);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.deregistration",
                    per_nif});

  routes.push_back({"POST",
                    "/v1/citizens/deregistration/complete",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_challenge(r, true, [&](const ChallengeId& id, const Secret& otp, Fields&) {
                        auto s = ctx->citizens.complete_deregistration(id, otp);
                        if (!s) return problem(s.error());
                        return json_response(200, {{"status", std::string(to_string(s->status))}});
                      });
                    },
                    "citizens.deregistration.complete",
                    per_challenge});

  routes.push_back({"POST",
                    "/v1/citizens/otp/resend",
                    Access::anyone,
                    {},
                    [ctx](const Request& r) {
                      return with_challenge(r, false, [&](const ChallengeId& id, const Secret&, Fields&) {
                        auto s = ctx->citizens.resend_otp(id);
                        return s ? started(*s) : problem(s.error());
                      });
                    },
                    "citizens.otp.resend",
                    per_resent_challenge});
  return routes;
}

}  // namespace firma::api

// The account pages: /activate, /password/reset, /password/change and /deregister. Each is two steps over the
// CitizenService (what identifies the citizen, then the SMS code); the pending challenge waits between them in an
// HttpOnly cookie scoped to the page, never in a URL.
#include "identity/citizens.h"
#include "pages.h"
#include "policies/nif.h"
#include "resources.h"

namespace firma::api::web {
namespace {

constexpr std::string_view kFlowCookie = "firma_flow";
constexpr std::string_view kDone = "done";
constexpr char kSeparator = '.';  // never produced by cookie_encode (base64url)

enum class Kind { activation, reset, change, deregistration };

struct Flow {
  Kind kind;
  std::string path;  // "/activate"
  std::string name;  // catalogue prefix: "activate" -> "activate.title", ...
  bool new_password_at_end() const { return kind == Kind::activation || kind == Kind::reset; }
};

// The state between the steps, as the cookie carries it.
struct Pending {
  std::string challenge_id;
  std::string masked_mobile;
};

std::optional<Pending> pending_of(const Request& request) {
  auto value = request_cookie(request, kFlowCookie);
  if (!value || *value == kDone) return std::nullopt;
  const auto sep = value->find(kSeparator);
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  auto challenge = cookie_decode(value->substr(0, sep));
  auto masked = cookie_decode(value->substr(sep + 1));
  if (!challenge || !masked || challenge->empty()) return std::nullopt;
  return Pending{std::move(*challenge), std::move(*masked)};
}

bool done(const Request& request) {
  return request_cookie(request, kFlowCookie) == std::string(kDone);
}

std::string pending_cookie(const Page& page, const Flow& flow, const identity::ChallengeStarted& started) {
  return set_cookie(kFlowCookie,
                    cookie_encode(started.challenge_id.str()) + kSeparator + cookie_encode(started.masked_mobile),
                    page.cookie_options(flow.path));
}

struct Typed {  // what the citizen typed that may be shown again (never a password or a code)
  std::string nif;
  std::string email;
};

Html input(const Page& page, std::string_view name, std::string_view type, std::string_view autocomplete,
           std::string_view label_key, const std::string& value = {}, std::string_view extra = {}) {
  const std::string hint_key = std::string(label_key) + ".hint";
  const bool has_hint = message(page.lang(), hint_key).rfind("[[", 0) != 0;
  return fill(page_template("field"),
              {{"name", text(name)},
               {"label", page.t(label_key)},
               {"type", text(type)},
               {"autocomplete", text(autocomplete)},
               {"extra", Html::trusted(extra)},
               {"describedby", has_hint ? fill(R"( aria-describedby="{name}-hint")", {{"name", text(name)}}) : Html()},
               {"value", value.empty() ? Html() : fill(R"( value="{v}")", {{"v", text(value)}})},
               {"hint", has_hint ? fill(R"(<p id="{name}-hint" class="hint">{h}</p>)",
                                        {{"name", text(name)}, {"h", page.t(hint_key)}})
                                 : Html()}});
}

constexpr std::string_view kNifExtra = R"( autocapitalize="characters" spellcheck="false")";
constexpr std::string_view kOtpExtra = R"( inputmode="numeric" pattern="[0-9]*" maxlength="10")";

Html start_fields(const Page& page, const Flow& flow, const Typed& typed) {
  Html f = input(page, "nif", "text", "username", "field.nif", typed.nif, kNifExtra);
  switch (flow.kind) {
    case Kind::activation:
      f += input(page, "email", "email", "email", "field.email", typed.email);
      f += input(page, "activation_code", "text", "off", "field.activation_code", {},
                 R"( autocapitalize="characters" spellcheck="false")");
      break;
    case Kind::reset:
      f += input(page, "activation_code", "text", "off", "field.activation_code", {},
                 R"( autocapitalize="characters" spellcheck="false")");
      break;
    case Kind::change:
      f += input(page, "current_password", "password", "current-password", "field.current_password");
      f += input(page, "password", "password", "new-password", "field.new_password");
      f += input(page, "password_confirmation", "password", "new-password", "field.password_confirmation");
      break;
    case Kind::deregistration: f += input(page, "password", "password", "current-password", "field.password"); break;
  }
  return f;
}

Html complete_fields(const Page& page, const Flow& flow) {
  Html f = input(page, "otp", "text", "one-time-code", "field.otp", {}, kOtpExtra);
  if (flow.new_password_at_end()) {
    f += input(page, "password", "password", "new-password", "field.new_password");
    f += input(page, "password_confirmation", "password", "new-password", "field.password_confirmation");
  }
  return f;
}

Response respond(Page& page, const Flow& flow, const Html& body, const std::optional<PageError>& error) {
  Response r = page.render(error ? error->status() : 200, flow.name + ".title", body);
  if (error && error->retry_after) r.headers.emplace_back("Retry-After", std::to_string(error->retry_after->count()));
  return r;
}

Response show_start(Page& page, const Flow& flow, const std::optional<PageError>& error, const Typed& typed = {}) {
  Html body = page.error_box(error);
  body += fill(page_template("account_start"), {{"intro", page.t(flow.name + ".start.intro")},
                                                {"path", text(flow.path)},
                                                {"csrf", page.csrf_field()},
                                                {"fields", start_fields(page, flow, typed)},
                                                {"submit", page.t(flow.name + ".start.submit")}});
  return respond(page, flow, body, error);
}

Response show_complete(Page& page, const Flow& flow, const Pending& pending, const std::optional<PageError>& error,
                       bool resent) {
  Html body = page.error_box(error);
  if (resent && !error) body += fill(page_template("notice"), {{"t", page.t("otp.resent")}});
  const Html csrf = page.csrf_field();
  body += fill(page_template("account_otp"),
               {{"sent_to", page.t("otp.sent_to",
                                   {{"mobile", fill("<strong>{m}</strong>", {{"m", text(pending.masked_mobile)}})}})},
                {"path", text(flow.path)},
                {"csrf", csrf},
                {"fields", complete_fields(page, flow)},
                {"submit", page.t(flow.name + ".complete.submit")},
                {"resend_hint",
                 page.t("otp.resend.hint",
                        {{"seconds", text(std::to_string(page.settings().options.otp_resend_cooldown.count()))}})},
                {"resend", page.t("otp.resend.submit")},
                {"restart", page.t("link.restart")}});
  return respond(page, flow, body, error);
}

Response show_done(Page& page, const Flow& flow) {
  page.set_cookie(clear_cookie(kFlowCookie, page.cookie_options(flow.path)));
  Html body =
      fill(page_template("account_done"), {{"words", page.t(flow.name + ".done")}, {"home", page.t("link.home")}});
  return page.render(200, flow.name + ".title", body);
}

PageError local_error(std::string key) {
  return PageError{ErrorCode::invalid_request, std::move(key), std::nullopt};
}

// The challenge is spent or gone: the citizen starts again from step 1.
bool challenge_over(const Error& error) {
  const auto code = error.code;
  return code_spent(error) || code == ErrorCode::not_found || code == ErrorCode::account_locked ||
         code == ErrorCode::invalid_credentials || code == ErrorCode::account_not_active;
}

Response start_again(Page& page, const Flow& flow, PageError error) {
  if (error.code == ErrorCode::not_found) error = PageError{ErrorCode::otp_expired, "error.flow_expired", std::nullopt};
  page.set_cookie(clear_cookie(kFlowCookie, page.cookie_options(flow.path)));
  return show_start(page, flow, error);
}

Response get_page(const WebContext& ctx, const Flow& flow, const Request& request) {
  Page page(ctx.settings, request);
  if (auto redirect = page.language_redirect()) return *redirect;
  if (request.query.count("restart") > 0) {
    page.set_cookie(clear_cookie(kFlowCookie, page.cookie_options(flow.path)));
    return page.redirect(flow.path);
  }
  if (done(request)) return show_done(page, flow);
  if (auto pending = pending_of(request))
    return show_complete(page, flow, *pending, std::nullopt, request.query.count("resent") > 0);
  return show_start(page, flow, std::nullopt);
}

Response post_start(const WebContext& ctx, const Flow& flow, const Request& request) {
  Page page(ctx.settings, request);
  std::optional<Form> form;
  if (auto refused = read_form(page, form)) return *refused;
  const Typed typed{form->trimmed("nif"), form->trimmed("email")};
  if (auto refused = ctx.throttle->by_address(request)) return show_start(page, flow, page_error(*refused), typed);
  auto nif = policies::Nif::parse(typed.nif);
  if (!nif) return show_start(page, flow, local_error("error.nif"), typed);
  if (flow.kind == Kind::change && form->value("password") != form->value("password_confirmation"))
    return show_start(page, flow, local_error("error.password_mismatch"), typed);
  if (auto refused = ctx.throttle->by_nif(typed.nif)) return show_start(page, flow, page_error(*refused), typed);

  Result<identity::ChallengeStarted> started = make_error(ErrorCode::internal, "no flow");
  switch (flow.kind) {
    case Kind::activation:
      started = ctx.citizens.start_activation(*nif, typed.email, form->secret("activation_code"));
      break;
    case Kind::reset: started = ctx.citizens.start_password_reset(*nif, form->secret("activation_code")); break;
    case Kind::change:
      started = ctx.citizens.start_password_change(*nif, form->secret("current_password"), form->secret("password"));
      break;
    case Kind::deregistration: started = ctx.citizens.start_deregistration(*nif, form->secret("password")); break;
  }
  if (!started) {
    const bool password_step = flow.kind == Kind::change || flow.kind == Kind::deregistration;
    return show_start(page, flow, page_error(started.error(), password_step), typed);
  }
  page.set_cookie(pending_cookie(page, flow, *started));
  return page.redirect(flow.path);
}

Response post_complete(const WebContext& ctx, const Flow& flow, const Request& request) {
  Page page(ctx.settings, request);
  std::optional<Form> form;
  if (auto refused = read_form(page, form)) return *refused;
  auto pending = pending_of(request);
  if (!pending) return start_again(page, flow, PageError{ErrorCode::not_found, "", std::nullopt});
  if (auto refused = ctx.throttle->by_address(request))
    return show_complete(page, flow, *pending, page_error(*refused), false);
  if (flow.new_password_at_end() && form->value("password") != form->value("password_confirmation"))
    return show_complete(page, flow, *pending, local_error("error.password_mismatch"), false);
  if (auto refused = ctx.throttle->by_challenge(pending->challenge_id))
    return show_complete(page, flow, *pending, page_error(*refused), false);

  std::string code;
  for (char c : form->value("otp"))
    if (c != ' ') code += c;
  const Secret otp(std::move(code));
  const ChallengeId challenge(pending->challenge_id);
  Status outcome;
  switch (flow.kind) {
    case Kind::activation: {
      auto r = ctx.citizens.complete_activation(challenge, otp, form->secret("password"));
      if (!r) outcome = std::move(r).error();
      break;
    }
    case Kind::reset: {
      auto r = ctx.citizens.complete_password_reset(challenge, otp, form->secret("password"));
      if (!r) outcome = std::move(r).error();
      break;
    }
    case Kind::change: {
      auto r = ctx.citizens.complete_password_change(challenge, otp);
      if (!r) outcome = std::move(r).error();
      break;
    }
    case Kind::deregistration: {
      auto r = ctx.citizens.complete_deregistration(challenge, otp);
      if (!r) outcome = std::move(r).error();
      break;
    }
  }
  if (!outcome) {
    auto error = page_error(outcome.error(), false);
    if (challenge_over(outcome.error())) return start_again(page, flow, error);
    return show_complete(page, flow, *pending, error, false);
  }
  page.set_cookie(set_cookie(kFlowCookie, kDone, page.cookie_options(flow.path)));
  return page.redirect(flow.path);
}

Response post_resend(const WebContext& ctx, const Flow& flow, const Request& request) {
  Page page(ctx.settings, request);
  std::optional<Form> form;
  if (auto refused = read_form(page, form)) return *refused;
  auto pending = pending_of(request);
  if (!pending) return start_again(page, flow, PageError{ErrorCode::not_found, "", std::nullopt});
  if (auto refused = ctx.throttle->by_address(request))
    return show_complete(page, flow, *pending, page_error(*refused), false);
  if (auto refused = ctx.throttle->by_challenge(pending->challenge_id))
    return show_complete(page, flow, *pending, page_error(*refused), false);
  auto sent = ctx.citizens.resend_otp(ChallengeId(pending->challenge_id));
  if (!sent) {
    auto error = page_error(sent.error(), false);
    if (challenge_over(sent.error())) return start_again(page, flow, error);
    if (error.code == ErrorCode::rate_limited) {
      error.key = "error.otp_cooldown";
      error.retry_after = ctx.settings.options.otp_resend_cooldown;
    }
    return show_complete(page, flow, *pending, error, false);
  }
  page.set_cookie(pending_cookie(page, flow, *sent));
  return page.redirect(flow.path + "?resent=1");
}

}  // namespace

std::vector<Route> account_pages(std::shared_ptr<const WebContext> ctx) {
  const std::vector<Flow> flows = {
      {Kind::activation, "/activate", "activate"},
      {Kind::reset, "/password/reset", "reset"},
      {Kind::change, "/password/change", "change"},
      {Kind::deregistration, "/deregister", "deregister"},
  };
  std::vector<Route> routes;
  for (const auto& flow : flows) {
    routes.push_back({"GET",
                      flow.path,
                      Access::anyone,
                      {},
                      [ctx, flow](const Request& r) { return get_page(*ctx, flow, r); },
                      "web." + flow.name});
    routes.push_back({"POST",
                      flow.path,
                      Access::anyone,
                      {},
                      [ctx, flow](const Request& r) { return post_start(*ctx, flow, r); },
                      "web." + flow.name + ".start"});
    routes.push_back({"POST",
                      flow.path + "/complete",
                      Access::anyone,
                      {},
                      [ctx, flow](const Request& r) { return post_complete(*ctx, flow, r); },
                      "web." + flow.name + ".complete"});
    routes.push_back({"POST",
                      flow.path + "/otp",
                      Access::anyone,
                      {},
                      [ctx, flow](const Request& r) { return post_resend(*ctx, flow, r); },
                      "web." + flow.name + ".otp"});
  }
  return routes;
}

}  // namespace firma::api::web

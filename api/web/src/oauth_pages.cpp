// /oauth2/authorize: an application asks a citizen for an authorisation (OAuth 2.0's authorisation endpoint,
// RFC 6749 4.1.1, with CSC's parameters); the citizen reads what is asked on Firma's page, identifies themselves
// (and for signatures confirms with the SMS code), and the browser goes back to the registered redirect URI with
// the one-time code (4.1.2) or the refusal (4.1.2.1).
#include <cctype>

#include "api/oauth2/authorization_request.h"
#include "pages.h"
#include "resources.h"
#include "signer/application_authorisations.h"

namespace firma::api::web {
namespace {

namespace oauth2 = api::oauth2;
using signer::AuthorisationKind;
using signer::AuthorisationStatus;

constexpr std::string_view kMobileCookie = "firma_oauth";  // the masked mobile the last code went to
constexpr std::string_view kBasePath = "/oauth2/authorize";

bool plausible_id(std::string_view id) {
  if (id.empty() || id.size() > 100) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string page_path(const std::string& id) {
  return std::string(kBasePath) + "/" + id;
}

// "https://sede.example/cb?x" -> "https://sede.example": where the forms' redirects go (CSP form-action).
std::string origin_of(std::string_view uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto end = uri.find_first_of("/?#", scheme + 3);
  return std::string(uri.substr(0, end));
}

const std::string& keys_of(AuthorisationKind kind) {
  static const std::string signing = "oauth.signing", access = "oauth.access";
  return kind == AuthorisationKind::signing ? signing : access;
}

PageError not_found() {
  return PageError{ErrorCode::not_found, "error.oauth.not_found", std::nullopt};
}

// The browser's way back to the application: the code and state, or the refusal (RFC 6749 4.1.2, 4.1.2.1).
Response back_to_application(Page& page, const signer::AuthorisationAnswer& answer) {
  if (answer.code)
    return page.redirect(oauth2::with_query(
        answer.redirect_uri, {{"code", std::string(answer.code->reveal())}, {"state", answer.client_state}}));
  return page.redirect(
      oauth2::with_query(answer.redirect_uri, {{"error", "access_denied"},
                                               {"error_description", "the citizen declined the authorisation"},
                                               {"state", answer.client_state}}));
}

// "a1b2c3d4..." -> "A1B2 C3D4 E5F6 0718": enough to compare with what the application shows.
std::string fingerprint(const Bytes& digest) {
  const std::string hex = to_hex_upper(digest);
  std::string out;
  for (std::size_t i = 0; i < hex.size() && i < 16; ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += hex[i];
  }
  return out;
}

Html digest_list(const Page& page, const signer::AuthorisationView& v) {
  Html items;
  std::size_t n = 0;
  const std::string algorithm(hsm::to_string(v.digest_algorithm));
  for (const auto& d : v.digests) {
    ++n;
    const Html name = d.label.empty() ? page.t("oauth.digest", {{"n", text(std::to_string(n))}}) : text(d.label);
    items += fill(page_template("oauth_digest"),
                  {{"name", name},
                   {"digest_label", page.t("oauth.fingerprint", {{"algorithm", text(algorithm)}})},
                   {"digest", text(fingerprint(d.digest))}});
  }
  return fill(page_template("sign_documents"), {{"items", items}});
}

struct OAuthView {
  std::optional<PageError> error;
  bool force_login = false;
  std::string nif;
};

Response show(const WebContext& ctx, Page& page, const std::string& id, const OAuthView& view) {
  auto found = ctx.authorisations.view(id);
  if (!found) {
    if (found.error().code == ErrorCode::not_found) return page.error_page(not_found(), "page.oauth.not_found.title");
    return page.error_page(page_error(found.error(), false));
  }
  const auto& v = *found;
  const std::string& keys = keys_of(v.kind);
  const std::string base = page_path(id);
  const bool open = v.status == AuthorisationStatus::requested || v.status == AuthorisationStatus::signed_in;
  Html body = open ? page.error_box(view.error) : Html();
  if (open) body += fill("<p class=\"lead\">{intro}</p>\n", {{"intro", page.t(keys + ".intro")}});
  const bool signing = v.kind == AuthorisationKind::signing;
  Html asks = signing ? page.t(v.signatures == 1 ? "oauth.signing.asks.one" : "oauth.signing.asks.many",
                               {{"count", text(std::to_string(v.signatures))}})
                      : page.t("oauth.access.asks");
  Html rows;
  if (signing)
    rows += fill("<dt>{label}</dt><dd id=\"credential\"><code>{serial}</code></dd>\n",
                 {{"label", page.t("oauth.credential")}, {"serial", text(v.credential.str())}});
  if (!v.description.empty())
    rows += fill("<dt>{label}</dt><dd id=\"description\">{description}</dd>\n",
                 {{"label", page.t("oauth.description")}, {"description", text(v.description)}});
  body += fill(page_template("oauth_facts"), {{"app_label", page.t("sign.application")},
                                              {"app", text(v.app_name)},
                                              {"asks_label", page.t("oauth.asks")},
                                              {"asks", asks},
                                              {"rows", rows},
                                              {"expires_label", page.t("oauth.expires")},
                                              {"expires_iso", text(to_rfc3339(v.expires_at))},
                                              {"expires", text(display_time(page.lang(), v.expires_at))}});
  if (signing) {
    body += fill("<h2 id=\"documents-heading\">{heading}</h2>\n",
                 {{"heading", page.t("oauth.digests", {{"count", text(std::to_string(v.digests.size()))}})}});
    body += digest_list(page, v);
  }
  const bool resent = page.request().query.count("resent") > 0 && !view.error;
  const bool login_asked = page.request().query.count("step") > 0 && page.request().query.at("step") == "login";
  if (v.status == AuthorisationStatus::requested ||
      (v.status == AuthorisationStatus::signed_in && (view.force_login || login_asked))) {
    body += login_form(page, base, keys, view.nif);
    body += reject_form(page, base, keys);
  } else if (v.status == AuthorisationStatus::signed_in) {
    body += otp_forms(page, base, keys, kMobileCookie, resent);
    body += reject_form(page, base, keys);
  } else {
    const std::string final_key = v.status == AuthorisationStatus::refused   ? "oauth.final.refused"
                                  : v.status == AuthorisationStatus::expired ? "oauth.final.expired"
                                                                             : "oauth.final.given";
    body += fill(page_template("sign_final"), {{"style", text("final closed")},
                                               {"role", text(view.error ? "alert" : "status")},
                                               {"words", page.t(final_key, {{"app", text(v.app_name)}})}});
  }
  // The forms' answers redirect to the application's redirect URI, which CSP form-action must name too.
  const std::string origin = origin_of(v.redirect_uri);
  page.form_action_extra(origin.empty() ? std::nullopt : std::optional<std::string>(origin));
  Response r = page.render(view.error ? view.error->status() : 200, "page.oauth.title", body);
  if (view.error && view.error->retry_after)
    r.headers.emplace_back("Retry-After", std::to_string(view.error->retry_after->count()));
  return r;
}

// A sign-in refusal in the page's words: a credential that is not the citizen's has its own.
PageError sign_in_error(const Error& error) {
  PageError e = page_error(error, true);
  if (error.code == ErrorCode::forbidden) e.key = "error.oauth.credential";
  return e;
}

// GET /oauth2/authorize with the request's parameters, or with client_id and the request_uri of a pushed one.
Response authorize(const WebContext& ctx, Page& page, const Request& request) {
  // RFC 6749 4.1.1 and appendix B: the query is form-encoded ('+' is a space), and no parameter comes twice (3.1).
  auto parsed = oauth2::parse_form(request.raw_query);
  if (!parsed) return page.error_page(PageError{ErrorCode::invalid_request, "error.oauth.client", std::nullopt});
  const oauth2::Parameters& p = *parsed;
  auto parameter = [&p](const char* name) {
    auto it = p.find(name);
    return it == p.end() ? std::string() : it->second;
  };
  const AppId client(parameter("client_id"));
  if (p.count("request_uri")) {
    const std::string uri = parameter("request_uri");
    if (uri.rfind(oauth2::kRequestUriPrefix, 0) != 0) return page.error_page(not_found(), "page.oauth.not_found.title");
    const std::string id = uri.substr(oauth2::kRequestUriPrefix.size());
    if (!plausible_id(id) || !ctx.authorisations.view(id, client))
      return page.error_page(not_found(), "page.oauth.not_found.title");
    return page.redirect(page_path(id));
  }
  // RFC 6749 4.1.2.1: an unknown client or a redirect URI it did not register is told to the citizen, never
  // redirected to.
  const std::string redirect_uri = parameter("redirect_uri");
  if (auto known = ctx.authorisations.client(client, redirect_uri); !known)
    return page.error_page(PageError{ErrorCode::invalid_request, "error.oauth.client", std::nullopt});
  const std::string state = parameter("state");
  auto refuse = [&](const std::string& error, const std::string& description) {
    return page.redirect(
        oauth2::with_query(redirect_uri, {{"error", error}, {"error_description", description}, {"state", state}}));
  };
  auto asked = oauth2::read_authorization_request(p);
  if (auto* error = std::get_if<oauth2::OAuthError>(&asked)) return refuse(error->error, error->description);
  auto recorded = ctx.authorisations.request(std::get<signer::AuthorisationAsked>(asked));
  if (!recorded) {
    if (recorded.error().code == ErrorCode::invalid_request) return refuse("invalid_request", recorded.error().message);
    if (recorded.error().code == ErrorCode::unavailable)
      return refuse("temporarily_unavailable", "the service is not available now");
    return refuse("server_error", "the request could not be recorded");
  }
  return page.redirect(page_path(recorded->id));
}

template <class Step>
Response post_step(const WebContext& ctx, const Request& request, Step step) {
  Page page(ctx.settings, request);
  const std::string id = request.params.at("id");
  if (!plausible_id(id)) return page.error_page(not_found(), "page.oauth.not_found.title");
  std::optional<Form> form;
  if (auto refused = read_form(page, form)) return *refused;
  if (auto refused = ctx.throttle->by_address(request))
    return show(ctx, page, id, OAuthView{page_error(*refused), false, {}});
  return step(page, id, *form);
}

}  // namespace

std::vector<Route> oauth_pages(std::shared_ptr<const WebContext> ctx) {
  std::vector<Route> routes;
  routes.push_back({"GET",
                    std::string(kBasePath),
                    Access::anyone,
                    {},
                    [ctx](const Request& request) -> Response {
                      Page page(ctx->settings, request);
                      if (auto refused = ctx->throttle->by_address(request))
                        return page.error_page(page_error(*refused));
                      return authorize(*ctx, page, request);
                    },
                    "web.oauth.authorize"});

  routes.push_back({"GET",
                    std::string(kBasePath) + "/:id",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) -> Response {
                      Page page(ctx->settings, request);
                      if (auto redirect = page.language_redirect()) return *redirect;
                      const std::string id = request.params.at("id");
                      if (!plausible_id(id)) return page.error_page(not_found(), "page.oauth.not_found.title");
                      if (auto refused = ctx->throttle->by_address(request))
                        return page.error_page(page_error(*refused));
                      return show(*ctx, page, id, {});
                    },
                    "web.oauth.page"});

  routes.push_back({"POST",
                    std::string(kBasePath) + "/:id/authenticate",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form& form) {
                        const std::string nif = form.trimmed("nif");
                        if (auto refused = ctx->throttle->by_nif(nif))
                          return show(*ctx, page, id, OAuthView{page_error(*refused), true, nif});
                        auto signed_in = ctx->authorisations.sign_in(id, nif, form.secret("password"));
                        if (!signed_in)
                          return show(*ctx, page, id, OAuthView{sign_in_error(signed_in.error()), true, nif});
                        if (signed_in->answer) return back_to_application(page, *signed_in->answer);
                        page.set_cookie(set_cookie(kMobileCookie, cookie_encode(signed_in->otp_sent_to.value_or("")),
                                                   page.cookie_options(page_path(id))));
                        return page.redirect(page_path(id));
                      });
                    },
                    "web.oauth.authenticate"});

  routes.push_back(
      {"POST",
       std::string(kBasePath) + "/:id/confirm",
       Access::anyone,
       {},
       [ctx](const Request& request) {
         return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form& form) {
           if (auto refused = ctx->throttle->by_transaction(id))
             return show(*ctx, page, id, OAuthView{page_error(*refused), false, {}});
           std::string code;
           for (char c : form.value("otp"))
             if (c != ' ') code += c;
           auto answer = ctx->authorisations.confirm(id, Secret(std::move(code)));
           if (!answer)
             return show(*ctx, page, id, OAuthView{page_error(answer.error(), false), code_spent(answer.error()), {}});
           page.set_cookie(clear_cookie(kMobileCookie, page.cookie_options(page_path(id))));
           return back_to_application(page, *answer);
         });
       },
       "web.oauth.confirm"});

  routes.push_back({"POST",
                    std::string(kBasePath) + "/:id/otp",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form&) {
                        if (auto refused = ctx->throttle->by_transaction(id))
                          return show(*ctx, page, id, OAuthView{page_error(*refused), false, {}});
                        auto sent = ctx->authorisations.resend_otp(id);
                        if (!sent) {
                          auto error = page_error(sent.error(), false);
                          if (error.code == ErrorCode::rate_limited) {
                            error.key = "error.otp_cooldown";
                            error.retry_after = ctx->settings.options.otp_resend_cooldown;
                          }
                          return show(*ctx, page, id, OAuthView{error, code_spent(sent.error()), {}});
                        }
                        page.set_cookie(
                            set_cookie(kMobileCookie, cookie_encode(*sent), page.cookie_options(page_path(id))));
                        return page.redirect(page_path(id) + "?resent=1");
                      });
                    },
                    "web.oauth.otp"});

  routes.push_back({"POST",
                    std::string(kBasePath) + "/:id/reject",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form&) {
                        auto answer = ctx->authorisations.decline(id);
                        if (!answer)
                          return show(*ctx, page, id, OAuthView{page_error(answer.error(), false), false, {}});
                        page.set_cookie(clear_cookie(kMobileCookie, page.cookie_options(page_path(id))));
                        return back_to_application(page, *answer);
                      });
                    },
                    "web.oauth.reject"});
  return routes;
}

}  // namespace firma::api::web

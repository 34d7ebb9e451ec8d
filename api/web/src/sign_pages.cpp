// /sign/{id}: the confirmation page of a transaction. What it shows follows the transaction's status (from the
// service, so any node can answer any step); the masked mobile rides in a cookie scoped to the page.
#include <cctype>

#include "pages.h"
#include "resources.h"
#include "signer/transactions.h"

namespace firma::api::web {
namespace {

constexpr std::string_view kSignCookie = "firma_sign";  // the masked mobile the last code went to
std::string page_path(const std::string& id) {
  return "/sign/" + id;
}

// The short reference the SMS also names (its first eight characters, upper case).
std::string reference(const std::string& id) {
  std::string r = id.substr(0, 8);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// "a1b2c3d4e5f60718..." -> "A1B2 C3D4 E5F6 0718": enough to compare with what the application shows.
std::string fingerprint(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size() && i < 16; ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return out;
}

struct SignView {
  std::optional<PageError> error;
  bool force_login = false;  // the code is spent or gone: identify again
  std::string nif;           // as typed, kept after a failed attempt
};

Html document_list(const Page& page, const signer::TransactionSummary& s) {
  Html items;
  for (const auto& d : s.documents) {
    // The application's own words for the document, labelled as such.
    const Html description =
        d.description.empty() ? Html()
                              : fill(R"( <span class="doc-description">{label} {words}</span>)",
                                     {{"label", page.t("sign.document_description")}, {"words", text(d.description)}});
    items += fill(page_template("sign_document"), {{"name", text(d.name)},
                                                   {"format", page.t("format." + d.format)},
                                                   {"description", description},
                                                   {"digest_label", page.t("sign.fingerprint")},
                                                   {"digest", text(fingerprint(d.digest_sha256_hex))}});
  }
  return fill(page_template("sign_documents"), {{"items", items}});
}

// The page for the transaction as it stands, with `view`'s error and choices; `status` 0: 200, or the error's.
Response show(const WebContext& ctx, Page& page, const std::string& id, const SignView& view) {
  auto summary = ctx.transactions.summary(TransactionId(id));
  if (!summary) {
    if (summary.error().code == ErrorCode::not_found)
      return page.error_page(PageError{ErrorCode::not_found, "error.transaction_not_found", std::nullopt},
                             "page.sign.not_found.title");
    return page.error_page(page_error(summary.error(), false));
  }
  const auto& s = *summary;
  const TransactionStatus status = s.status;
  // A transaction that is over says so once, in its final status below: an error about the same (expired, already
  // signed) would only repeat it, and there is nothing left to check before continuing.
  const bool open = status == TransactionStatus::pending || status == TransactionStatus::authenticated;
  Html body = open ? page.error_box(view.error) : Html();
  if (open)
    body += fill(R"(<p class="lead">{intro}</p>
)",
                 {{"intro", page.t("sign.intro")}});
  body += fill(page_template("sign_facts"),
               {{"app_label", page.t("sign.application")},
                {"app", text(s.app_name)},
                // Who is asking is the registered name above; what the application says of the procedure is
                // shown apart, as its words.
                {"description", s.description.empty()
                                    ? Html()
                                    : fill(R"(<dt>{label}</dt><dd id="app-description">{words}</dd>
)",
                                           {{"label", page.t("sign.description")}, {"words", text(s.description)}})},
                {"ref_label", page.t("sign.reference")},
                {"ref", text(reference(id))},
                {"expires_label", page.t("sign.expires")},
                {"expires_iso", text(to_rfc3339(s.expires_at))},
                {"expires", text(display_time(page.lang(), s.expires_at))},
                {"documents_heading", page.t("sign.documents", {{"count", text(std::to_string(s.documents.size()))}})},
                {"documents", document_list(page, s)}});
  const bool resent = page.request().query.count("resent") > 0 && !view.error;
  const bool login_asked = page.request().query.count("step") > 0 && page.request().query.at("step") == "login";
  if (status == TransactionStatus::pending ||
      (status == TransactionStatus::authenticated && (view.force_login || login_asked))) {
    body += login_form(page, page_path(id), "sign", view.nif);
    body += reject_form(page, page_path(id), "sign");
  } else if (status == TransactionStatus::authenticated) {
    body += otp_forms(page, page_path(id), "sign", kSignCookie, resent);
    body += reject_form(page, page_path(id), "sign");
  } else {
    // signed, rejected, expired, failed or signing: each has its words.
    const std::string key = "sign.final." + std::string(to_string(status));
    // Green for a signature; the plain notice for every other end. Announced at once (an alert) when it is the
    // answer to a step the citizen just tried.
    body += fill(page_template("sign_final"),
                 {{"style", text(status == TransactionStatus::signed_ ? "final" : "final closed")},
                  {"role", text(view.error ? "alert" : "status")},
                  {"words", page.t(key, {{"app", text(s.app_name)}})}});
  }
  // The forms' answers redirect to the application's return URL, which CSP form-action must name too (Chromium
  // checks the redirects that follow a submission).
  page.form_action_extra(s.return_origin.empty() ? std::nullopt : std::optional<std::string>(s.return_origin));
  Response r = page.render(view.error ? view.error->status() : 200, "page.sign.title", body);
  if (view.error && view.error->retry_after)
    r.headers.emplace_back("Retry-After", std::to_string(view.error->retry_after->count()));
  return r;
}

// Shared start of every POST: a plausible id, the form and its CSRF token, the address limit.
template <class Step>
Response post_step(const WebContext& ctx, const Request& request, Step step) {
  Page page(ctx.settings, request);
  const std::string id = request.params.at("id");
  if (!plausible_id(id))
    return page.error_page(PageError{ErrorCode::not_found, "error.transaction_not_found", std::nullopt},
                           "page.sign.not_found.title");
  std::optional<Form> form;
  if (auto refused = read_form(page, form)) return *refused;
  if (auto refused = ctx.throttle->by_address(request))
    return show(ctx, page, id, SignView{page_error(*refused), false, {}});
  return step(page, id, *form);
}

}  // namespace

std::vector<Route> sign_pages(std::shared_ptr<const WebContext> ctx) {
  std::vector<Route> routes;
  routes.push_back({"GET",
                    "/sign/:id",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) -> Response {
                      Page page(ctx->settings, request);
                      if (auto redirect = page.language_redirect()) return *redirect;
                      const std::string id = request.params.at("id");
                      if (!plausible_id(id))
                        return page.error_page(
                            PageError{ErrorCode::not_found, "error.transaction_not_found", std::nullopt},
                            "page.sign.not_found.title");
                      if (auto refused = ctx->throttle->by_address(request))
                        return page.error_page(page_error(*refused));
                      return show(*ctx, page, id, {});
                    },
                    "web.sign"});

  routes.push_back({"POST",
                    "/sign/:id/authenticate",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form& form) {
                        const std::string nif = form.trimmed("nif");
                        if (auto refused = ctx->throttle->by_nif(nif))
                          return show(*ctx, page, id, SignView{page_error(*refused), true, nif});
                        auto started = ctx->transactions.authenticate(TransactionId(id), nif, form.secret("password"),
                                                                      ctx->throttle->client_address(request));
                        if (!started)
                          return show(*ctx, page, id, SignView{page_error(started.error(), true), true, nif});
                        page.set_cookie(set_cookie(kSignCookie, cookie_encode(started->otp_sent_to),
                                                   page.cookie_options(page_path(id))));
                        return page.redirect(page_path(id));
                      });
                    },
                    "web.sign.authenticate"});

  routes.push_back(
      {"POST",
       "/sign/:id/confirm",
       Access::anyone,
       {},
       [ctx](const Request& request) {
         return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form& form) {
           if (auto refused = ctx->throttle->by_transaction(id))
             return show(*ctx, page, id, SignView{page_error(*refused), false, {}});
           // Spaces typed or pasted inside the code ("123 456") are not part of it.
           std::string code;
           for (char c : form.value("otp"))
             if (c != ' ') code += c;
           auto outcome = ctx->transactions.confirm(TransactionId(id), Secret(std::move(code)),
                                                    ctx->throttle->client_address(request));
           if (!outcome) {
             return show(*ctx, page, id, SignView{page_error(outcome.error(), false), code_spent(outcome.error()), {}});
           }
           page.set_cookie(clear_cookie(kSignCookie, page.cookie_options(page_path(id))));
           return page.redirect(outcome->return_url);  // with transaction and status (from the service)
         });
       },
       "web.sign.confirm"});

  routes.push_back({"POST",
                    "/sign/:id/otp",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form&) {
                        if (auto refused = ctx->throttle->by_transaction(id))
                          return show(*ctx, page, id, SignView{page_error(*refused), false, {}});
                        auto sent = ctx->transactions.resend_otp(TransactionId(id));
                        if (!sent) {
                          auto error = page_error(sent.error(), false);
                          // The service's refusal inside the cooldown: say how long the citizen waits.
                          if (error.code == ErrorCode::rate_limited) {
                            error.key = "error.otp_cooldown";
                            error.retry_after = ctx->settings.options.otp_resend_cooldown;
                          }
                          return show(*ctx, page, id, SignView{error, code_spent(sent.error()), {}});
                        }
                        page.set_cookie(set_cookie(kSignCookie, cookie_encode(sent->otp_sent_to),
                                                   page.cookie_options(page_path(id))));
                        return page.redirect(page_path(id) + "?resent=1");
                      });
                    },
                    "web.sign.otp"});

  routes.push_back({"POST",
                    "/sign/:id/reject",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) {
                      return post_step(*ctx, request, [&](Page& page, const std::string& id, const Form&) {
                        auto outcome = ctx->transactions.reject(TransactionId(id));
                        if (!outcome)
                          return show(*ctx, page, id, SignView{page_error(outcome.error(), false), false, {}});
                        page.set_cookie(clear_cookie(kSignCookie, page.cookie_options(page_path(id))));
                        return page.redirect(outcome->return_url);  // with transaction and status (from the service)
                      });
                    },
                    "web.sign.reject"});
  return routes;
}

}  // namespace firma::api::web

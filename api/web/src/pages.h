// The route lists of each group of pages (internal to api/web).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "api/http/routes.h"
#include "page.h"

namespace firma::api::web {

// GET /sign/:id and POST /sign/:id/{authenticate,confirm,otp,reject}.
std::vector<Route> sign_pages(std::shared_ptr<const WebContext> ctx);
// /activate, /password/reset, /password/change, /deregister (each GET, POST, POST .../complete, POST .../otp).
std::vector<Route> account_pages(std::shared_ptr<const WebContext> ctx);
// GET / (what a citizen can do here) and GET /static/firma.css.
std::vector<Route> site_pages(std::shared_ptr<const WebContext> ctx);

// GET /oauth2/authorize (an application's request, checked and recorded) and the page it leads to,
// GET /oauth2/authorize/:id with POST /oauth2/authorize/:id/{authenticate,confirm,otp,reject}.
std::vector<Route> oauth_pages(std::shared_ptr<const WebContext> ctx);

// The forms of a confirmation page at `base` ("/sign/{id}"), worded by the catalogue keys under `keys` ("sign"):
// NIF + password (posted to base/authenticate), the SMS code with "send another" (base/confirm, base/otp; the
// masked mobile from the cookie `mobile_cookie`), and the refusal (base/reject).
Html login_form(Page& page, std::string_view base, std::string_view keys, const std::string& nif);
Html otp_forms(Page& page, std::string_view base, std::string_view keys, std::string_view mobile_cookie, bool resent);
Html reject_form(Page& page, std::string_view base, std::string_view keys);

// Common steps of a POST: the form, then its CSRF token. nullopt with `form` filled when both are fine;
// otherwise the page to answer (400 for a body that is not a form, 403 for a missing or wrong token).
std::optional<Response> read_form(Page& page, std::optional<Form>& form);

}  // namespace firma::api::web

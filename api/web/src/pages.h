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

// Common steps of a POST: the form, then its CSRF token. nullopt with `form` filled when both are fine;
// otherwise the page to answer (400 for a body that is not a form, 403 for a missing or wrong token).
std::optional<Response> read_form(Page& page, std::optional<Form>& form);

}  // namespace firma::api::web

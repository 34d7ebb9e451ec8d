// The site's own pages: the index (what a citizen can do here), the stylesheet, and the form+CSRF step of POSTs.
#include "pages.h"
#include "resources.h"

namespace firma::api::web {

std::optional<Response> read_form(Page& page, std::optional<Form>& form) {
  auto parsed = Form::of(page.request());
  if (!parsed) return page.error_page(PageError{ErrorCode::invalid_request, "error.invalid_form", std::nullopt});
  // Double submit (OWASP CSRF Prevention Cheat Sheet): the hidden field must equal the HttpOnly, SameSite=Strict
  // cookie that only this origin could have set. Checked before anything else is read or counted.
  if (!page.csrf_ok(*parsed))
    return page.error_page(PageError{ErrorCode::forbidden, "error.csrf", std::nullopt}, "page.csrf.title");
  form.emplace(std::move(*parsed));
  return std::nullopt;
}

std::vector<Route> site_pages(std::shared_ptr<const WebContext> ctx) {
  std::vector<Route> routes;
  routes.push_back({"GET",
                    "/",
                    Access::anyone,
                    {},
                    [ctx](const Request& request) -> Response {
                      Page page(ctx->settings, request);
                      if (auto redirect = page.language_redirect()) return *redirect;
                      Html body = fill(page_template("home"), {{"intro", page.t("home.intro")},
                                                               {"activate", page.t("link.activate")},
                                                               {"reset", page.t("link.password_reset")},
                                                               {"change", page.t("link.password_change")},
                                                               {"deregister", page.t("link.deregister")}});
                      return page.render(200, "home.title", body);
                    },
                    "web.home"});
  // resources/firma.css: fluid, one column on a narrow screen, system fonts, contrast of at least 4.5:1 for text
  // (WCAG 2.2 1.4.3), visible focus (2.4.7).
  routes.push_back({"GET",
                    std::string(kStylesheetPath),
                    Access::anyone,
                    {},
                    [](const Request&) {
                      Response r = text_response(200, std::string(resource("firma.css")), "text/css; charset=utf-8");
                      r.headers.emplace_back("Cache-Control", "public, max-age=3600");
                      return r;
                    },
                    "web.stylesheet"});
  return routes;
}

}  // namespace firma::api::web

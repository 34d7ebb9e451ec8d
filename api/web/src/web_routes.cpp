// The web pages' route list: the shared context built once, then each group of pages.
#include "api/web/web_routes.h"

#include <iterator>

#include "pages.h"

namespace firma::api {

std::vector<Route> web_routes(signer::TransactionService& transactions, identity::CitizenService& citizens,
                              signer::ApplicationAuthorisations& authorisations,
                              std::shared_ptr<const CitizenThrottle> throttle, Random& random, WebOptions options) {
  auto ctx = std::make_shared<const web::WebContext>(web::WebContext{
      transactions, citizens, authorisations, std::move(throttle), web::PageSettings{random, std::move(options)}});
  std::vector<Route> routes = web::site_pages(ctx);
  for (auto group : {web::sign_pages(ctx), web::oauth_pages(ctx), web::account_pages(ctx)})
    std::move(group.begin(), group.end(), std::back_inserter(routes));
  return routes;
}

}  // namespace firma::api

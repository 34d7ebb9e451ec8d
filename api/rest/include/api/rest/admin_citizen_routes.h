// Operators' citizen endpoints: register, read, regenerate the activation code; and the SMS outbox.
#pragma once

#include <vector>

#include "api/http/routes.h"

namespace firma::identity {
class CitizenService;
class OutboxSmsGateway;
}  // namespace firma::identity

namespace firma::api {

// POST /v1/admin/citizens, GET /v1/admin/citizens/{nif}, POST /v1/admin/citizens/{nif}/activation-code
// (roles admin or registrar) and GET /v1/admin/sms/outbox (admin; 404 when the gateway is not the outbox,
// i.e. `outbox` is null). The services must outlive the server.
std::vector<Route> admin_citizen_routes(identity::CitizenService& citizens, const identity::OutboxSmsGateway* outbox);

}  // namespace firma::api

// The REST audit routes' reader, wired to the audit sealer: what api sees of the trail.
#pragma once

#include "api/rest/audit_routes.h"
#include "certs/audit_sealer.h"
#include "store/database.h"

namespace firma::app {

api::AuditReader audit_reader(certs::AuditSealer& sealer, store::Database& db);

}  // namespace firma::app

// A fresh database of either backend, a manual clock and the real outbox gateway, for the identity suites.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "identity/sms_gateway.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

namespace firma::store {
// Test names read "/sqlite", "/postgresql".
inline void PrintTo(Backend backend, std::ostream* out) {
  *out << to_string(backend);
}
}  // namespace firma::store

namespace firma::identity::testing {

inline const Instant t0 = from_unix(1'800'000'000);

// A gateway that refuses while `down` is set and otherwise hands messages to the outbox. A fake (named so): the
// real gateways cannot be made to fail on demand.
class FlakySmsGateway final : public SmsGateway {
 public:
  explicit FlakySmsGateway(SmsGateway& inner) : inner_(inner) {}
  std::string_view kind() const noexcept override { return "flaky"; }
  Status send(const SmsMessage& message) override {
    if (down) return make_error(ErrorCode::unavailable, "fake gateway down");
    return inner_.send(message);
  }
  bool down = false;

 private:
  SmsGateway& inner_;
};

class IdentityTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == store::Backend::sqlite) {
      url = "sqlite:" + (dir_.path() / "firma.db").string();
    } else {
      pg_ = std::make_unique<firma::testing::PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
      url = pg_->url();
    }
    auto opened = store::Database::open(url, 8);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    auto migrated = db_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    outbox_ = std::make_unique<OutboxSmsGateway>(*db_, clock_);
    gateway_ = std::make_unique<FlakySmsGateway>(*outbox_);
  }

  // The messages the outbox holds for `to`.
  std::vector<OutboxMessage> sms_to(const std::string& to) {
    auto messages = outbox_->messages(to);
    EXPECT_TRUE(messages.ok());
    return messages.ok() ? *messages : std::vector<OutboxMessage>{};
  }

  // The digits that follow " es " in the last message to `to` (the services' texts read "... es 123456.").
  std::string last_code(const std::string& to) {
    auto messages = sms_to(to);
    if (messages.empty()) return {};
    const std::string& text = messages.back().text;
    std::string code;
    for (auto at = text.find(" es "); at != std::string::npos && at + 4 < text.size();) {
      for (std::size_t i = at + 4; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) code += text[i];
      break;
    }
    return code;
  }

  firma::testing::TempDir dir_;
  std::unique_ptr<firma::testing::PostgresDatabase> pg_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{t0};
  SystemRandom random_;
  std::unique_ptr<OutboxSmsGateway> outbox_;
  std::unique_ptr<FlakySmsGateway> gateway_;
};

inline std::string backend_name(const ::testing::TestParamInfo<store::Backend>& info) {
  return std::string(store::to_string(info.param));
}

}  // namespace firma::identity::testing

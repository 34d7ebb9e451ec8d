// Result<T> holds a value or an error, and error codes keep their stable spellings.
#include "core/result.h"

#include <gtest/gtest.h>

namespace firma {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return make_error(ErrorCode::invalid_request, "odd");
  return n / 2;
}

TEST(Result, CarriesValueOrError) {
  auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(Result, VoidStatus) {
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status failed = make_error(ErrorCode::not_found, "x");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::not_found);
}

TEST(Result, CodesAreSnakeCase) {
  EXPECT_EQ(to_string(ErrorCode::otp_exhausted), "otp_exhausted");
  EXPECT_EQ(to_string(ErrorCode::payload_too_large), "payload_too_large");
  EXPECT_EQ(to_string(ErrorCode::account_locked), "account_locked");
}

}  // namespace
}  // namespace firma

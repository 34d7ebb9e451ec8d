// The forms every confirmation page shares (a transaction's, an application authorisation's): NIF + password,
// the SMS code, the refusal; worded per page by catalogue keys.
#include "pages.h"
#include "resources.h"

namespace firma::api::web {
namespace {

std::string key(std::string_view keys, std::string_view name) {
  return std::string(keys) + "." + std::string(name);
}

}  // namespace

Html login_form(Page& page, std::string_view base, std::string_view keys, const std::string& nif) {
  return fill(page_template("sign_login"), {{"base", text(base)},
                                            {"csrf", page.csrf_field()},
                                            {"heading", page.t(key(keys, "login.heading"))},
                                            {"intro", page.t(key(keys, "login.intro"))},
                                            {"nif_label", page.t("field.nif")},
                                            {"nif", text(nif)},
                                            {"password_label", page.t("field.password")},
                                            {"submit", page.t(key(keys, "login.submit"))}});
}

Html otp_forms(Page& page, std::string_view base, std::string_view keys, std::string_view mobile_cookie, bool resent) {
  auto cookie = request_cookie(page.request(), mobile_cookie);
  auto masked = cookie ? cookie_decode(*cookie) : std::nullopt;
  const Html sent_to =
      masked && !masked->empty()
          ? page.t("sign.otp.sent_to", {{"mobile", fill("<strong>{m}</strong>", {{"m", text(*masked)}})}})
          : page.t("sign.otp.sent_to_registered");
  const Html csrf = page.csrf_field();
  return fill(page_template("sign_otp"),
              {{"heading", page.t("sign.otp.heading")},
               {"resent", resent ? fill(page_template("notice"), {{"t", page.t("sign.otp.resent")}}) : Html()},
               {"sent_to", sent_to},
               {"base", text(base)},
               {"csrf", csrf},
               {"otp_label", page.t("field.otp")},
               {"otp_hint", page.t(key(keys, "otp.hint"))},
               {"submit", page.t(key(keys, "otp.submit"))},
               {"resend_hint",
                page.t("otp.resend.hint",
                       {{"seconds", text(std::to_string(page.settings().options.otp_resend_cooldown.count()))}})},
               {"resend", page.t("otp.resend.submit")},
               {"again", page.t("sign.otp.login_again")}});
}

Html reject_form(Page& page, std::string_view base, std::string_view keys) {
  return fill(page_template("sign_reject"), {{"base", text(base)},
                                             {"csrf", page.csrf_field()},
                                             {"hint", page.t(key(keys, "reject.hint"))},
                                             {"submit", page.t(key(keys, "reject.submit"))}});
}

}  // namespace firma::api::web

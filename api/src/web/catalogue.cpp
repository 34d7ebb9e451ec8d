// Every string of the web pages, in Spanish (the default) and English. Plain text: the pages escape it; "{name}"
// is a value the page fills in. A key must be in both tables (tests/unit/api/web_catalogue_test.cpp checks).
#include "web/catalogue.h"

#include <map>
#include <utility>

namespace firma::api::web {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

constexpr Entry kSpanish[] = {
    {"site.brand", "Cl@ve Firma"},
    {"site.skip", "Saltar al contenido"},
    {"site.language", "Idioma"},
    {"site.other_language", "English"},
    {"site.footer",
     "Servicio de firma centralizada. Nunca le pediremos su contraseña ni su código por teléfono o correo."},

    {"home.title", "Su cuenta de firma"},
    {"home.intro",
     "Desde aquí puede activar su cuenta, gestionar su contraseña o darse de baja. Para firmar, siga el enlace que le "
     "dé la aplicación que le pide la firma."},
    {"link.home", "Ir al inicio"},
    {"link.activate", "Activar mi cuenta"},
    {"link.password_reset", "He olvidado mi contraseña o mi cuenta está bloqueada"},
    {"link.password_change", "Cambiar mi contraseña"},
    {"link.deregister", "Darme de baja"},
    {"link.restart", "Empezar de nuevo"},

    {"page.error.title", "No se ha podido completar"},
    {"page.csrf.title", "La página ha caducado"},
    {"page.sign.title", "Confirmar la firma"},
    {"page.sign.not_found.title", "Operación de firma no encontrada"},

    {"field.nif", "DNI o NIE"},
    {"field.nif.hint", "Con la letra, sin espacios ni guiones. Por ejemplo: 12345678Z."},
    {"field.password", "Contraseña"},
    {"field.current_password", "Contraseña actual"},
    {"field.new_password", "Contraseña nueva"},
    {"field.new_password.hint",
     "Al menos 8 caracteres con tres de estos grupos: minúsculas, mayúsculas, números y símbolos (o 16 caracteres "
     "cualesquiera). No puede contener su nombre, sus apellidos ni su DNI/NIE."},
    {"field.password_confirmation", "Repita la contraseña nueva"},
    {"field.email", "Correo electrónico"},
    {"field.email.hint", "El que dio al registrarse."},
    {"field.activation_code", "Código de activación"},
    {"field.activation_code.hint", "El código que le entregaron al registrarse, como XXXX-XXXX-XXXX-XXXX."},
    {"field.otp", "Código recibido por SMS"},
    {"field.otp.hint", "Los números del último SMS que le hemos enviado."},

    {"format.raw", "resumen (hash)"},
    {"format.cades", "firma CAdES"},
    {"format.pades", "PDF (PAdES)"},
    {"format.xades", "XML (XAdES)"},

    {"sign.intro",
     "Una aplicación le pide que firme con su certificado. Compruebe qué va a firmar antes de continuar."},
    {"sign.application", "Aplicación"},
    {"sign.reference", "Referencia (aparece en el SMS)"},
    {"sign.expires", "Puede firmar hasta"},
    {"sign.documents", "Documentos a firmar ({count})"},
    {"sign.fingerprint", "Huella SHA-256:"},
    {"sign.login.heading", "Identifíquese"},
    {"sign.login.intro", "Escriba su DNI o NIE y su contraseña. Después le enviaremos un código por SMS."},
    {"sign.login.submit", "Continuar"},
    {"sign.otp.heading", "Escriba el código del SMS"},
    {"sign.otp.sent_to", "Le hemos enviado un código por SMS al {mobile}."},
    {"sign.otp.sent_to_registered", "Le hemos enviado un código por SMS a su móvil registrado."},
    {"sign.otp.hint", "Compruebe que el SMS nombra la misma aplicación y la misma referencia que esta página."},
    {"sign.otp.submit", "Firmar"},
    {"sign.otp.resent", "Le hemos enviado un código nuevo. El anterior ya no sirve."},
    {"sign.otp.login_again", "Volver a identificarme"},
    {"sign.reject.hint", "Si no reconoce esta operación o no quiere firmar, puede rechazarla."},
    {"sign.reject.submit", "No firmar: rechazar"},
    {"sign.final.signed", "Los documentos ya están firmados. Puede volver a {app}."},
    {"sign.final.rejected", "Ha rechazado esta firma. No se ha firmado nada."},
    {"sign.final.expired",
     "El plazo para firmar ha terminado y no se ha firmado nada. Vuelva a {app} para empezar de nuevo."},
    {"sign.final.failed", "No se ha podido completar la firma. Vuelva a {app} para intentarlo de nuevo."},
    {"sign.final.signing", "La firma está en curso. Vuelva a cargar esta página en unos segundos."},
    {"sign.final.other", "Esta operación de firma ya no admite cambios."},

    {"otp.sent_to", "Le hemos enviado un código por SMS al {mobile}."},
    {"otp.resent", "Le hemos enviado un código nuevo. El anterior ya no sirve."},
    {"otp.resend.hint", "¿No le ha llegado? Puede pedir otro {seconds} segundos después del último."},
    {"otp.resend.submit", "Enviarme otro código"},

    {"activate.title", "Activar su cuenta"},
    {"activate.start.intro",
     "Escriba su DNI o NIE, el correo que dio al registrarse y su código de activación. Le enviaremos un código por "
     "SMS."},
    {"activate.start.submit", "Enviarme el código"},
    {"activate.complete.submit", "Activar la cuenta"},
    {"activate.done", "Su cuenta está activa. Ya puede usar su contraseña para firmar."},
    {"reset.title", "Restablecer la contraseña"},
    {"reset.start.intro",
     "Si ha olvidado su contraseña o su cuenta está bloqueada, escriba su DNI o NIE y su código de activación. Le "
     "enviaremos un código por SMS."},
    {"reset.start.submit", "Enviarme el código"},
    {"reset.complete.submit", "Guardar la contraseña"},
    {"reset.done", "Su contraseña se ha cambiado y su cuenta está desbloqueada."},
    {"change.title", "Cambiar la contraseña"},
    {"change.start.intro",
     "Escriba su contraseña actual y la nueva. Le enviaremos un código por SMS para confirmar el cambio."},
    {"change.start.submit", "Enviarme el código"},
    {"change.complete.submit", "Cambiar la contraseña"},
    {"change.done", "Su contraseña se ha cambiado."},
    {"deregister.title", "Darse de baja"},
    {"deregister.start.intro",
     "Al darse de baja no podrá volver a firmar con esta cuenta y se revocará su certificado. Escriba su DNI o NIE y "
     "su contraseña; le enviaremos un código por SMS para confirmarlo."},
    {"deregister.start.submit", "Enviarme el código"},
    {"deregister.complete.submit", "Darme de baja"},
    {"deregister.done", "Su cuenta se ha dado de baja y su certificado se ha revocado."},

    {"error.invalid_request", "Falta algún dato o no tiene el formato esperado. Revíselos e inténtelo de nuevo."},
    {"error.unauthorized", "No tiene permiso para hacer esto."},
    {"error.forbidden", "No se puede hacer esta operación."},
    {"error.not_found", "No encontramos lo que busca."},
    {"error.conflict",
     "Esta operación ya no está pendiente: puede que ya se haya firmado, rechazado o que esté en curso."},
    {"error.password_policy", "La contraseña nueva no cumple las reglas."},
    {"error.password_policy.too_short", "La contraseña nueva es demasiado corta: debe tener al menos 8 caracteres."},
    {"error.password_policy.too_few_groups",
     "La contraseña nueva debe mezclar al menos tres de estos grupos: minúsculas, mayúsculas, números y símbolos (o "
     "tener 16 caracteres o más)."},
    {"error.password_policy.contains_personal_data",
     "La contraseña nueva no puede contener su nombre, sus apellidos ni su DNI/NIE."},
    {"error.password_policy.invalid_encoding", "La contraseña nueva contiene caracteres que no se admiten."},
    {"error.invalid_credentials.password",
     "El DNI/NIE o la contraseña no son correctos. Compruébelos: tras cinco intentos fallidos seguidos su cuenta se "
     "bloqueará. Si aún no ha activado su cuenta, actívela primero con su código de activación."},
    {"error.invalid_credentials.attempts.one",
     "El DNI/NIE o la contraseña no son correctos. Le queda 1 intento: si vuelve a fallar, su cuenta se bloqueará."},
    {"error.invalid_credentials.attempts.many",
     "El DNI/NIE o la contraseña no son correctos. Le quedan {attempts} intentos antes de que su cuenta se bloquee."},
    {"error.otp_invalid.attempts.none",
     "El código no es correcto y ya no quedan intentos para este código. Vuelva a empezar para recibir uno nuevo."},
    {"error.otp_invalid.attempts.one", "El código no es correcto. Le queda 1 intento: compruebe el último SMS."},
    {"error.otp_invalid.attempts.many",
     "El código no es correcto. Le quedan {attempts} intentos: compruebe el último SMS."},
    {"error.invalid_credentials.data",
     "Los datos no coinciden con los de su registro. Compruébelos e inténtelo de nuevo."},
    {"error.account_locked",
     "Su cuenta está bloqueada porque se ha escrito mal la contraseña cinco veces seguidas. Para desbloquearla, "
     "restablezca la contraseña con su código de activación."},
    {"error.password_expired", "Su contraseña ha caducado. Cámbiela (o restablézcala) y vuelva a intentarlo."},
    {"error.registration_level",
     "Para firmar necesita un registro avanzado, hecho en persona en una oficina de registro."},
    {"error.account_not_active",
     "Su cuenta no está activa. Si aún no la ha activado, actívela con su código de activación."},
    {"error.otp_invalid", "El código no es correcto. Compruebe el último SMS y escríbalo de nuevo."},
    {"error.otp_expired", "El código ha caducado o ya se ha usado. Vuelva a empezar para recibir uno nuevo."},
    {"error.otp_exhausted", "Ha escrito mal el código demasiadas veces. Vuelva a empezar para recibir uno nuevo."},
    {"error.transaction_expired", "El plazo para firmar ha terminado. Vuelva a la aplicación para empezar de nuevo."},
    {"error.payload_too_large", "Los datos enviados son demasiado grandes."},
    {"error.rate_limited", "Ha hecho demasiados intentos seguidos. Espere {seconds} segundos y vuelva a intentarlo."},
    {"error.unavailable",
     "El servicio no está disponible en este momento (por ejemplo, el envío de SMS). Inténtelo de nuevo dentro de un "
     "rato."},
    {"error.internal", "Se ha producido un error inesperado. Inténtelo de nuevo más tarde."},
    {"error.transaction_not_found",
     "No encontramos esta operación de firma. Compruebe el enlace o vuelva a la aplicación que le pidió la firma."},
    {"error.invalid_form", "No hemos podido leer el formulario. Vuelva a cargar la página e inténtelo de nuevo."},
    {"error.csrf",
     "Por seguridad, esta página ha caducado o la petición no venía de ella. Vuelva a cargar la página e inténtelo de "
     "nuevo."},
    {"error.nif", "El DNI o NIE no es válido. Escríbalo con su letra, por ejemplo 12345678Z."},
    {"error.password_mismatch", "Las dos contraseñas nuevas no coinciden."},
    {"error.flow_expired", "El proceso ha caducado. Empiece de nuevo."},
    {"error.otp_cooldown", "Acabamos de enviarle un código. Espere {seconds} segundos antes de pedir otro."},
};

constexpr Entry kEnglish[] = {
    {"site.brand", "Cl@ve Firma"},
    {"site.skip", "Skip to content"},
    {"site.language", "Language"},
    {"site.other_language", "Español"},
    {"site.footer", "Central signing service. We will never ask for your password or your code by phone or e-mail."},

    {"home.title", "Your signing account"},
    {"home.intro",
     "Here you can activate your account, manage your password or close your account. To sign, follow the link the "
     "application asking for your signature gives you."},
    {"link.home", "Go to the start page"},
    {"link.activate", "Activate my account"},
    {"link.password_reset", "I forgot my password or my account is locked"},
    {"link.password_change", "Change my password"},
    {"link.deregister", "Close my account"},
    {"link.restart", "Start again"},

    {"page.error.title", "This could not be completed"},
    {"page.csrf.title", "This page has expired"},
    {"page.sign.title", "Confirm the signature"},
    {"page.sign.not_found.title", "Signing request not found"},

    {"field.nif", "DNI or NIE"},
    {"field.nif.hint", "With its letter, without spaces or hyphens. For example: 12345678Z."},
    {"field.password", "Password"},
    {"field.current_password", "Current password"},
    {"field.new_password", "New password"},
    {"field.new_password.hint",
     "At least 8 characters from three of these groups: lower case, upper case, digits and symbols (or any 16 "
     "characters). It must not contain your name, surnames or DNI/NIE."},
    {"field.password_confirmation", "Repeat the new password"},
    {"field.email", "E-mail address"},
    {"field.email.hint", "The one you gave when you registered."},
    {"field.activation_code", "Activation code"},
    {"field.activation_code.hint", "The code you were given when you registered, like XXXX-XXXX-XXXX-XXXX."},
    {"field.otp", "Code received by SMS"},
    {"field.otp.hint", "The digits in the last text message we sent you."},

    {"format.raw", "digest (hash)"},
    {"format.cades", "CAdES signature"},
    {"format.pades", "PDF (PAdES)"},
    {"format.xades", "XML (XAdES)"},

    {"sign.intro",
     "An application asks you to sign with your certificate. Check what you are about to sign before going on."},
    {"sign.application", "Application"},
    {"sign.reference", "Reference (shown in the SMS)"},
    {"sign.expires", "You can sign until"},
    {"sign.documents", "Documents to sign ({count})"},
    {"sign.fingerprint", "SHA-256 fingerprint:"},
    {"sign.login.heading", "Identify yourself"},
    {"sign.login.intro", "Enter your DNI or NIE and your password. We will then send you a code by SMS."},
    {"sign.login.submit", "Continue"},
    {"sign.otp.heading", "Enter the code from the SMS"},
    {"sign.otp.sent_to", "We have sent a code by SMS to {mobile}."},
    {"sign.otp.sent_to_registered", "We have sent a code by SMS to your registered mobile phone."},
    {"sign.otp.hint", "Check that the SMS names the same application and reference as this page."},
    {"sign.otp.submit", "Sign"},
    {"sign.otp.resent", "We have sent you a new code. The previous one no longer works."},
    {"sign.otp.login_again", "Identify myself again"},
    {"sign.reject.hint", "If you do not recognise this request or do not want to sign, you can reject it."},
    {"sign.reject.submit", "Do not sign: reject"},
    {"sign.final.signed", "The documents are signed. You can go back to {app}."},
    {"sign.final.rejected", "You rejected this signature. Nothing was signed."},
    {"sign.final.expired", "The time to sign is over and nothing was signed. Go back to {app} to start again."},
    {"sign.final.failed", "The signature could not be completed. Go back to {app} to try again."},
    {"sign.final.signing", "The signature is in progress. Reload this page in a few seconds."},
    {"sign.final.other", "This signing request can no longer be changed."},

    {"otp.sent_to", "We have sent a code by SMS to {mobile}."},
    {"otp.resent", "We have sent you a new code. The previous one no longer works."},
    {"otp.resend.hint", "Didn't get it? You can ask for another one {seconds} seconds after the last."},
    {"otp.resend.submit", "Send me another code"},

    {"activate.title", "Activate your account"},
    {"activate.start.intro",
     "Enter your DNI or NIE, the e-mail address you gave when you registered and your activation code. We will send "
     "you a code by SMS."},
    {"activate.start.submit", "Send me the code"},
    {"activate.complete.submit", "Activate the account"},
    {"activate.done", "Your account is active. You can now sign with your password."},
    {"reset.title", "Reset your password"},
    {"reset.start.intro",
     "If you forgot your password or your account is locked, enter your DNI or NIE and your activation code. We will "
     "send you a code by SMS."},
    {"reset.start.submit", "Send me the code"},
    {"reset.complete.submit", "Save the password"},
    {"reset.done", "Your password has been changed and your account is unlocked."},
    {"change.title", "Change your password"},
    {"change.start.intro",
     "Enter your current password and the new one. We will send you a code by SMS to confirm the change."},
    {"change.start.submit", "Send me the code"},
    {"change.complete.submit", "Change the password"},
    {"change.done", "Your password has been changed."},
    {"deregister.title", "Close your account"},
    {"deregister.start.intro",
     "Once your account is closed you cannot sign with it again and your certificate is revoked. Enter your DNI or NIE "
     "and your password; we will send you a code by SMS to confirm."},
    {"deregister.start.submit", "Send me the code"},
    {"deregister.complete.submit", "Close my account"},
    {"deregister.done", "Your account is closed and your certificate has been revoked."},

    {"error.invalid_request",
     "Some information is missing or not in the expected form. Please check it and try again."},
    {"error.unauthorized", "You are not allowed to do this."},
    {"error.forbidden", "This operation cannot be done."},
    {"error.not_found", "We cannot find what you are looking for."},
    {"error.conflict", "This request is no longer pending: it may have been signed, rejected, or be in progress."},
    {"error.password_policy", "The new password does not follow the rules."},
    {"error.password_policy.too_short", "The new password is too short: it needs at least 8 characters."},
    {"error.password_policy.too_few_groups",
     "The new password must mix at least three of these groups: lower case, upper case, digits and symbols (or have 16 "
     "characters or more)."},
    {"error.password_policy.contains_personal_data",
     "The new password must not contain your name, surnames or DNI/NIE."},
    {"error.password_policy.invalid_encoding", "The new password contains characters that are not allowed."},
    {"error.invalid_credentials.password",
     "The DNI/NIE or the password is not correct. Please check them: after five failed attempts in a row your account "
     "will be locked. If you have not activated your account yet, activate it first with your activation code."},
    {"error.invalid_credentials.attempts.one",
     "The DNI/NIE or the password is not correct. You have 1 attempt left: if it fails again, your account will be "
     "locked."},
    {"error.invalid_credentials.attempts.many",
     "The DNI/NIE or the password is not correct. You have {attempts} attempts left before your account is locked."},
    {"error.otp_invalid.attempts.none",
     "The code is not correct and no attempts are left for it. Start again to get a new one."},
    {"error.otp_invalid.attempts.one", "The code is not correct. You have 1 attempt left: check the last SMS."},
    {"error.otp_invalid.attempts.many",
     "The code is not correct. You have {attempts} attempts left: check the last SMS."},
    {"error.invalid_credentials.data", "The details do not match your registration. Please check them and try again."},
    {"error.account_locked",
     "Your account is locked because the password was entered wrongly five times in a row. To unlock it, reset your "
     "password with your activation code."},
    {"error.password_expired", "Your password has expired. Change it (or reset it) and try again."},
    {"error.registration_level", "To sign you need an advanced registration, made in person at a registration office."},
    {"error.account_not_active",
     "Your account is not active. If you have not activated it yet, activate it with your activation code."},
    {"error.otp_invalid", "The code is not correct. Check the last SMS and enter it again."},
    {"error.otp_expired", "The code has expired or has already been used. Start again to get a new one."},
    {"error.otp_exhausted", "The code was entered wrongly too many times. Start again to get a new one."},
    {"error.transaction_expired", "The time to sign is over. Go back to the application to start again."},
    {"error.payload_too_large", "The data sent is too large."},
    {"error.rate_limited", "Too many attempts in a row. Wait {seconds} seconds and try again."},
    {"error.unavailable",
     "The service is not available right now (for example, sending text messages). Please try again in a while."},
    {"error.internal", "Something unexpected went wrong. Please try again later."},
    {"error.transaction_not_found",
     "We cannot find this signing request. Check the link or go back to the application that asked for your "
     "signature."},
    {"error.invalid_form", "We could not read the form. Reload the page and try again."},
    {"error.csrf",
     "For your security, this page has expired or the request did not come from it. Reload the page and try again."},
    {"error.nif", "The DNI or NIE is not valid. Enter it with its letter, for example 12345678Z."},
    {"error.password_mismatch", "The two new passwords do not match."},
    {"error.flow_expired", "The process has expired. Please start again."},
    {"error.otp_cooldown", "We have just sent you a code. Wait {seconds} seconds before asking for another."},
};

template <std::size_t N>
std::map<std::string_view, std::string_view> index(const Entry (&entries)[N]) {
  std::map<std::string_view, std::string_view> m;
  for (const auto& [key, value] : entries) m.emplace(key, value);
  return m;
}

const std::map<std::string_view, std::string_view>& table(Lang lang) {
  static const auto spanish = index(kSpanish);
  static const auto english = index(kEnglish);
  return lang == Lang::en ? english : spanish;
}

}  // namespace

std::string_view lang_tag(Lang lang) noexcept {
  return lang == Lang::en ? "en" : "es";
}

std::optional<Lang> parse_lang(std::string_view tag) noexcept {
  if (tag.size() != 2) return std::nullopt;
  const char a = static_cast<char>(tag[0] | 0x20);
  const char b = static_cast<char>(tag[1] | 0x20);
  if (a == 'e' && b == 's') return Lang::es;
  if (a == 'e' && b == 'n') return Lang::en;
  return std::nullopt;
}

std::string_view message(Lang lang, std::string_view key) noexcept {
  const auto& t = table(lang);
  auto it = t.find(key);
  if (it != t.end()) return it->second;
  // A missing key shows as itself in double brackets; the keys are string literals of the code, so the view
  // outlives the page. Unknown keys built at run time get the generic marker.
  static const std::string_view kMissing = "[[missing message]]";
  return kMissing;
}

std::vector<std::string_view> catalogue_keys(Lang lang) {
  std::vector<std::string_view> keys;
  if (lang == Lang::en)
    for (const auto& e : kEnglish) keys.push_back(e.first);
  else
    for (const auto& e : kSpanish) keys.push_back(e.first);
  return keys;
}

}  // namespace firma::api::web

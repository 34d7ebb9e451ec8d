#!/usr/bin/env python3
"""The architecture test's own test: on small trees that break one rule each, check.py must say so."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402


def tree(files):
    """A temporary source tree with a public include folder per module and the given files."""
    root = tempfile.mkdtemp(prefix="architecture-")
    for module in ("core", "store", "hsm", "policies", "identity", "certs", "signer", "api/http", "api/rest",
                   "api/web", "app"):
        os.makedirs(os.path.join(root, module, "include", module), exist_ok=True)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    return root


class Rules(unittest.TestCase):
    def assertBroken(self, files, expected):
        problems = check.check(tree(files))
        self.assertTrue(any(expected in p for p in problems), f"{expected!r} not in {problems}")

    def test_a_tree_that_keeps_the_rules_passes(self):
        self.assertEqual(check.check(tree({
            "signer/src/a.cpp": '#include "certs/x.h"\n#include "core/y.h"\n#include "local.h"\n',
            "signer/src/local.h": "// private\n",
            "api/rest/src/r.cpp": '#include "api/http/server.h"\n#include "signer/t.h"\n#include <nlohmann/json.hpp>\n',
            "app/src/main.cpp": '#include "api/rest/routes.h"\n#include "api/web/pages.h"\n',
            "hsm/src/p.cpp": "#include <p11-kit/pkcs11.h>\nvoid f() { C_Sign(s, 0, 0, 0, 0); }\n",
            "signer/src/citizen_key_signer.cpp": "void f() { token_.sign_digest(k, a, d); }\n",
            "certs/src/ocsp.cpp": "void f() { token_.sign_service_digest(k, a, d); }\n",
            "store/src/s.cpp": '#include <sqlite3.h>\nconst char* q = "SELECT id FROM citizens";\n',
            "identity/src/sms.cpp": "#include <httplib.h>\n",
            "policies/src/p.cpp": "// std::ifstream in a comment is no I/O\n#include <cstdio>\n",
        })), [])

    def test_an_arrow_upwards(self):
        self.assertBroken({"store/src/a.cpp": '#include "signer/sad.h"\n'}, 'store includes "signer/sad.h"')

    def test_an_arrow_sideways(self):
        self.assertBroken({"certs/src/a.cpp": '#include "identity/citizens.h"\n'}, "certs includes")

    def test_one_front_including_another(self):
        self.assertBroken({"api/rest/src/a.cpp": '#include "api/web/page.h"\n'}, "api/rest includes")

    def test_the_server_core_including_a_front(self):
        self.assertBroken({"api/http/src/a.cpp": '#include "api/rest/routes.h"\n'}, "api/http includes")

    def test_pkcs11_outside_hsm(self):
        self.assertBroken({"certs/src/a.cpp": "#include <p11-kit/pkcs11.h>\n"}, "no module but hsm")

    def test_sql_outside_store(self):
        self.assertBroken({"identity/src/a.cpp": 'auto q = "UPDATE citizens SET status = 1";\n'}, "holds SQL text")
        self.assertBroken({"signer/src/a.cpp": "#include <sqlite3.h>\n"}, "no module but store")

    def test_json_below_api(self):
        self.assertBroken({"signer/src/a.cpp": "#include <nlohmann/json.hpp>\n"}, "nothing below api")

    def test_io_in_policies(self):
        self.assertBroken({"policies/src/a.cpp": "#include <fstream>\n"}, "policies does no I/O")

    def test_a_citizen_key_signed_outside_citizen_key_signer(self):
        self.assertBroken({"signer/src/transactions.cpp": "auto s = token_.sign_digest(key, a, d);\n"},
                          "only CitizenKeySigner")
        self.assertBroken({"api/rest/src/a.cpp": "auto s = token.sign_digest(key, a, d);\n"}, "only CitizenKeySigner")

    def test_an_authority_signature_outside_certs(self):
        self.assertBroken({"signer/src/a.cpp": "token.sign_service_digest(k, a, d);\n"}, "only certs signs")
        self.assertBroken({"api/rest/src/a.cpp": "auto key = hsm::botan_private_key(token, id, p);\n"},
                          "only certs signs")

    def test_pkcs11_signing_outside_hsm(self):
        self.assertBroken({"certs/src/a.cpp": "f.C_SignInit(s, &m, k);\n"}, "only hsm calls PKCS#11")


if __name__ == "__main__":
    unittest.main()

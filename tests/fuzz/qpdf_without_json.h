// Forced into pdf_update.cpp in the fuzz build only: keeps qpdf/JSON.hh out, which clang cannot compile.
#pragma once

// Debian 12's qpdf 11.3 declares, inside class JSON, a struct with a std::vector<JSON> and a defaulted virtual
// destructor: C++20's constexpr ~vector then needs JSON complete before it is. gcc lets it pass, clang refuses
// (qpdf 11.4 moved the struct out). Firma never uses qpdf's JSON, so an incomplete declaration is enough.
#define JSON_HH
class JSON;

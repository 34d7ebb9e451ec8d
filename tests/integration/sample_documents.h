// Documents the signing tests sign: a minimal PDF written with its cross-reference offsets.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace firma::testing {

// A one-page PDF with a classic cross-reference table, offsets computed as it is written; `size` is the
// trailer's /Size and `kids` the page tree's /Kids.
inline std::string minimal_pdf(const std::string& size = "4", const std::string& kids = "[3 0 R]") {
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (const std::string& object :
       {std::string("<< /Type /Catalog /Pages 2 0 R >>"), "<< /Type /Pages /Kids " + kids + " /Count 1 >>",
        std::string("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")}) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(offsets.size()) + " 0 obj\n" + object + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 4\n0000000000 65535 f \n";
  for (std::size_t o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + size + " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace firma::testing

// The pages' resource files (api/web/resources) compiled in: found by name, verbatim, and marked when missing.
#include <gtest/gtest.h>

#include <string>

#include "resources.h"

namespace firma::api::web {
namespace {

TEST(WebResources, EveryFileIsCompiledInOnceSortedByName) {
  const auto files = resource_files();
  ASSERT_FALSE(files.empty());
  for (std::size_t i = 1; i < files.size(); ++i) EXPECT_LT(files[i - 1].name, files[i].name);
  for (const char* name : {"firma.css", "layout.html", "messages_en.properties", "messages_es.properties"})
    EXPECT_FALSE(resource(name).empty()) << name;
}

TEST(WebResources, ContentIsTheFileVerbatim) {
  EXPECT_EQ(resource("firma.css").substr(0, 7), ":root {");
  EXPECT_EQ(resource("firma.css").back(), '\n');
  EXPECT_EQ(page_template("layout").substr(0, 16), "<!DOCTYPE html>\n");
  EXPECT_EQ(page_template("layout"), resource("layout.html"));
}

TEST(WebResources, UnknownNamesAreEmptyOrMarked) {
  EXPECT_TRUE(resource("no_such.css").empty());
  EXPECT_TRUE(resource("").empty());
  EXPECT_EQ(page_template("no_such"), "[[missing template]]");
  EXPECT_EQ(page_template(std::string(100, 'a')), "[[missing template]]");
}

}  // namespace
}  // namespace firma::api::web

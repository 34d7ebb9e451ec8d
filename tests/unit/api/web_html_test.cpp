// HTML escaping and the template filler of the web pages.
#include <gtest/gtest.h>

#include "html.h"

namespace firma::api::web {
namespace {

TEST(WebHtml, EscapesTheFiveSignificantCharacters) {
  EXPECT_EQ(text(R"(<script>alert("x" & 'y')</script>)").str(),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  EXPECT_EQ(text("María Núñez").str(), "María Núñez");  // UTF-8 passes untouched
  EXPECT_EQ(text(std::string_view("a\0b", 3)).str(),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(text("").str(), "");
}

TEST(WebHtml, FillInsertsOnlyHtmlValues) {
  const Html attack = text(R"("><img src=x onerror=alert(1)>)");
  const Html page = fill(R"(<input value="{v}"><p>{v}</p>)", {{"v", attack}});
  EXPECT_EQ(page.str().find("<img"), std::string::npos);
  EXPECT_NE(page.str().find("&quot;&gt;&lt;img"), std::string::npos);
}

TEST(WebHtml, FillLeavesUnknownNamesAndUnclosedBraces) {
  EXPECT_EQ(fill("{a}{b}", {{"a", text("1")}}).str(), "1{b}");
  EXPECT_EQ(fill("x { y", {}).str(), "x { y");
  EXPECT_EQ(fill("{{literal}", {}).str(), "{literal}");
  // A value that itself looks like a placeholder is not expanded again.
  EXPECT_EQ(fill("{a}{b}", {{"a", text("{b}")}, {"b", text("2")}}).str(), "{b}2");
}

TEST(WebHtml, Concatenation) {
  Html h = Html::trusted("<p>") + text("1 < 2") + Html::trusted("</p>");
  EXPECT_EQ(h.str(), "<p>1 &lt; 2</p>");
  EXPECT_FALSE(h.empty());
  EXPECT_TRUE(Html().empty());
}

}  // namespace
}  // namespace firma::api::web

// Return URLs: canonical form (RFC 3986 5.2.4 and 6.2.2), what is refused, and prefix matching on a boundary.
#include "policies/return_url.h"

#include <gtest/gtest.h>

#include <string>

namespace firma::policies {
namespace {

TEST(RemoveDotSegments, FollowsRfc3986) {
  struct Case {
    std::string path, expected;
  };
  const Case cases[] = {
      {"/a/b/c/./../../g", "/a/g"},  // RFC 3986 5.2.4's own examples
      {"mid/content=5/../6", "mid/6"},
      {"/app/../../evil", "/evil"},
      {"/app/./form", "/app/form"},
      {"/app/..", "/"},
      {"/app/.", "/app/"},
      {"/..", "/"},
      {"/", "/"},
      {"/app/form", "/app/form"},
      {"/app//x/../y", "/app//y"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(remove_dot_segments(c.path), c.expected);
  }
}

TEST(CanonicalHttpUrl, LowerCasesSchemeAndHostAndResolvesDots) {
  struct Case {
    std::string url, expected;
  };
  const Case cases[] = {
      {"https://x.example.gob.es/app/", "https://x.example.gob.es/app/"},
      {"HTTPS://X.Example.GOB.es/App/Form", "https://x.example.gob.es/App/Form"},
      {"https://x.example.gob.es", "https://x.example.gob.es/"},
      {"https://x.example.gob.es?a=1", "https://x.example.gob.es/?a=1"},
      {"https://x.example.gob.es:8443/app/../other?x=/../#f", "https://x.example.gob.es:8443/other?x=/../#f"},
      {"https://x.example.gob.es/app/../../evil", "https://x.example.gob.es/evil"},
      {"http://localhost:8080/done%20ok", "http://localhost:8080/done%20ok"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    auto canonical = canonical_http_url(c.url);
    ASSERT_TRUE(canonical.ok()) << canonical.error().message;
    EXPECT_EQ(*canonical, c.expected);
  }
}

TEST(CanonicalHttpUrl, RefusesWhatReadersDisagreeOn) {
  const std::string cases[] = {
      "",
      "/app/",
      "ftp://x.example.gob.es/app/",
      "javascript://x.example.gob.es/%0aalert(1)",
      "https:///app/",
      "https://:443/app/",
      "https://x.example.gob.es/app/..%2f..%2fevil",
      "https://x.example.gob.es/app/..%2F..%2Fevil",
      "https://x.example.gob.es/app/%2e%2e/evil",
      "https://x.example.gob.es/app/%2E%2E/evil",
      "https://x.example.gob.es/app/..%5cevil",
      "https://x.example.gob.es/app/..\\evil",
      "https://x.example.gob.es\\@evil.example/",
      "https://x.example.gob.es@evil.example/app/",
      "https://user:pw@x.example.gob.es/app/",
      "https://x.example.gob.es/app/%zz",
      "https://x.example.gob.es/app/%4",
      "https://x%2eexample.gob.es/app/",
      "https://x.example.gob.es/app/ evil",
      "https://x.example.gob.es/app/\tevil",
      "https://x.example.gob.es/app/\x7f",
      "https://x.example.gob.es/" + std::string(2000, 'a'),
  };
  for (const std::string& url : cases) {
    SCOPED_TRACE(url);
    auto canonical = canonical_http_url(url);
    ASSERT_FALSE(canonical.ok()) << *canonical;
    EXPECT_EQ(canonical.error().code, ErrorCode::invalid_request);
  }
}

TEST(IsUnderPrefix, MatchesOnASegmentBoundary) {
  struct Case {
    std::string url, prefix;
    bool under;
  };
  const Case cases[] = {
      {"https://x.es/app/form", "https://x.es/app/", true},
      {"https://x.es/app/", "https://x.es/app/", true},
      {"https://x.es/app", "https://x.es/app", true},
      {"https://x.es/app/form", "https://x.es/app", true},
      {"https://x.es/app?x=1", "https://x.es/app", true},
      {"https://x.es/app#top", "https://x.es/app", true},
      {"https://x.es/apple", "https://x.es/app", false},
      {"https://x.es/", "https://x.es/app/", false},
      {"https://x.es/evil", "https://x.es/app/", false},
      {"https://x.es.evil.example/", "https://x.es", false},
      {"https://x.es/", "", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url + " under " + c.prefix);
    EXPECT_EQ(is_under_prefix(c.url, c.prefix), c.under);
  }
}

TEST(IsUnderPrefix, ADotSegmentCannotLeaveThePrefix) {
  const std::string prefix = *canonical_http_url("https://x.example.gob.es/app/");
  auto escaped = canonical_http_url("https://x.example.gob.es/app/../../evil");
  ASSERT_TRUE(escaped.ok());
  EXPECT_FALSE(is_under_prefix(*escaped, prefix)) << *escaped;
  auto inside = canonical_http_url("https://x.example.gob.es/app/a/../done");
  ASSERT_TRUE(inside.ok());
  EXPECT_TRUE(is_under_prefix(*inside, prefix)) << *inside;
}

TEST(CheckRedirectUri, HttpsOrLoopbackHttpWithoutFragment) {
  struct Case {
    std::string uri;
    bool accepted;
  };
  const Case cases[] = {
      {"https://sede.example.gob.es/oauth/callback", true},
      {"https://sede.example.gob.es/cb?tenant=1", true},
      {"http://127.0.0.1:8123/callback", true},
      {"http://localhost/callback", true},
      {"http://[::1]:9000/cb", true},
      {"http://sede.example.gob.es/callback", false},  // http only to a loopback host (RFC 8252 7.3)
      {"http://localhost.evil.example/cb", false},
      {"http://127.0.0.1.evil.example/cb", false},
      {"https://sede.example.gob.es/cb#frag", false},  // RFC 6749 3.1.2: no fragment
      {"https://user@sede.example.gob.es/cb", false},
      {"/relative/callback", false},
      {"com.example.app:/callback", false},
      {"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri);
    EXPECT_EQ(check_redirect_uri(c.uri).ok(), c.accepted);
  }
}

}  // namespace
}  // namespace firma::policies

// Encodings decode strictly and round-trip; digests match the published test vectors.
#include "core/encoding.h"

#include <gtest/gtest.h>

#include "core/percent_encoding.h"

namespace firma {
namespace {

TEST(Encoding, HexRoundTrip) {
  Bytes b{0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "00abff");
  EXPECT_EQ(to_hex_upper(b), "00ABFF");
  EXPECT_EQ(from_hex("00ABff"), b);
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Encoding, Base64IsStrict) {
  EXPECT_EQ(to_base64(as_bytes("hola")), "aG9sYQ==");
  auto back = from_base64("aG9sYQ==");
  ASSERT_TRUE(back);
  EXPECT_EQ(to_string(*back), "hola");
  EXPECT_FALSE(from_base64("aG9sYQ="));    // wrong length
  EXPECT_FALSE(from_base64("aG9s YQ=="));  // whitespace
  EXPECT_FALSE(from_base64("aG9sYQ-_"));   // url alphabet
  EXPECT_FALSE(from_base64("a=9sYQ=="));   // padding inside
  EXPECT_TRUE(from_base64(""));
}

TEST(Encoding, Base64Url) {
  Bytes b{0xfb, 0xff};
  EXPECT_EQ(to_base64url(b), "-_8");
  EXPECT_EQ(from_base64url("-_8"), b);
  EXPECT_FALSE(from_base64url("+/8="));
}

TEST(Encoding, PercentEncodeKeepsOnlyTheUnreservedCharacters) {
  EXPECT_EQ(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(percent_encode("+34 600/a&b=c?%"), "%2B34%20600%2Fa%26b%3Dc%3F%25");
  EXPECT_EQ(percent_encode("\xC3\xB1"), "%C3%B1");  // UTF-8 bytes, upper-case hex
  EXPECT_EQ(percent_encode(""), "");
}

TEST(Encoding, Sha256Vector) {
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha384(as_bytes("abc")).size(), 48u);
  EXPECT_EQ(sha512(as_bytes("abc")).size(), 64u);
}

}  // namespace
}  // namespace firma

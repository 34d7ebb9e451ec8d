// Argon2id password hashes: PHC strings, compatibility with the hashes Botan made (the hasher before libargon2),
// default parameters, rehash on parameter change, many checks at once.
#include "identity/password_hasher.h"

#include <botan/argon2.h>
#include <botan/auto_rng.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "identity/settings.h"

namespace firma::identity {
namespace {

const Argon2Parameters kSmall{1024, 1, 1};

TEST(PasswordHasher, DefaultParametersAreM19456T2P1) {
  EXPECT_EQ(Argon2Parameters{}, (Argon2Parameters{19456, 2, 1}));
  auto from_config = Argon2Parameters::from_config(PasswordSettings{});
  ASSERT_TRUE(from_config.ok());
  EXPECT_EQ(*from_config, (Argon2Parameters{19456, 2, 1}));
  PasswordSettings settings;
  EXPECT_EQ(settings.argon2_memory_kib, 19456u);
  EXPECT_EQ(settings.argon2_iterations, 2u);
  EXPECT_EQ(settings.argon2_parallelism, 1u);
}

TEST(PasswordHasher, ConfigurationKeysSetTheParameters) {
  PasswordSettings settings;
  config::Registry keys;
  keys.add(password_setting_keys(), settings);
  ASSERT_TRUE(keys.set("password.argon2_memory_kib", "1024").ok());
  ASSERT_TRUE(keys.set("password.argon2_iterations", "1").ok());
  ASSERT_TRUE(keys.set("password.argon2_parallelism", "2").ok());
  auto parameters = Argon2Parameters::from_config(settings);
  ASSERT_TRUE(parameters.ok());
  EXPECT_EQ(*parameters, (Argon2Parameters{1024, 1, 2}));
  EXPECT_FALSE(keys.set("password.argon2_iterations", "0").ok());
  EXPECT_FALSE(Argon2Parameters::make(8, 1, 2).ok()) << "m must be at least 8 KiB per lane";
}

TEST(PasswordHasher, HashIsAnArgon2idPhcStringWithItsParameters) {
  SystemRandom random;
  PasswordHasher hasher(kSmall, random);
  auto hash = hasher.hash(Secret("Contrase\u00F1a-2024"));
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("Contrase"), std::string::npos);
  auto again = hasher.hash(Secret("Contrase\u00F1a-2024"));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again) << "a fresh salt each time";
}

TEST(PasswordHasher, VerifiesTheRightPasswordOnly) {
  SystemRandom random;
  PasswordHasher hasher(kSmall, random);
  auto hash = hasher.hash(Secret("Zorro.Veloz7"));
  ASSERT_TRUE(hash.ok());
  auto right = hasher.verify(Secret("Zorro.Veloz7"), *hash);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(right->matches);
  EXPECT_FALSE(right->needs_rehash);
  auto wrong = hasher.verify(Secret("Zorro.Veloz8"), *hash);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->matches);
}

TEST(PasswordHasher, BotanReadsOurStringsAndWeReadBotans) {
  SystemRandom random;
  PasswordHasher hasher(kSmall, random);
  auto ours = hasher.hash(Secret("Intercambio#9"));
  ASSERT_TRUE(ours.ok());
  EXPECT_TRUE(Botan::argon2_check_pwhash("Intercambio#9", 13, *ours));
  EXPECT_FALSE(Botan::argon2_check_pwhash("Intercambio#8", 13, *ours));

  Botan::AutoSeeded_RNG rng;
  const std::string botans = Botan::argon2_generate_pwhash("Intercambio#9", 13, rng, 1, 1024, 1);
  auto check = hasher.verify(Secret("Intercambio#9"), botans);
  ASSERT_TRUE(check.ok()) << check.error().message << " " << botans;
  EXPECT_TRUE(check->matches);
}

// Stored by the hasher of Botan's Argon2 (Botan::argon2, family 2, the PHC string written by hand as above), with
// the salt "firma-salt-2026!": the default parameters, and two lanes with three passes.
constexpr const char* kBotanDefault =
    "$argon2id$v=19$m=19456,t=2,p=1$ZmlybWEtc2FsdC0yMDI2IQ$mxucddYKoEpLt/pgw6NPsUmoqk9+wXxRqZX+EQAgQ7Q";
constexpr const char* kBotanTwoLanes =
    "$argon2id$v=19$m=1024,t=3,p=2$ZmlybWEtc2FsdC0yMDI2IQ$y+qzGPQwX663nkFldIAOZwaJIJWYoAI1xHrtqJ7vHXU";
constexpr const char* kBotanPassword = "Contrase\u00F1a.Antigua-2024";

TEST(PasswordHasher, HashesStoredByTheBotanHasherStillVerify) {
  SystemRandom random;
  PasswordHasher hasher(Argon2Parameters{}, random);
  for (const char* stored : {kBotanDefault, kBotanTwoLanes}) {
    auto right = hasher.verify(Secret(kBotanPassword), stored);
    ASSERT_TRUE(right.ok()) << right.error().message;
    EXPECT_TRUE(right->matches) << stored;
    auto wrong = hasher.verify(Secret("Contrase\u00F1a.Antigua-2025"), stored);
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(wrong->matches) << stored;
  }
  EXPECT_FALSE(hasher.verify(Secret(kBotanPassword), kBotanDefault)->needs_rehash);
  EXPECT_TRUE(hasher.verify(Secret(kBotanPassword), kBotanTwoLanes)->needs_rehash);
}

TEST(PasswordHasher, BotanVerifiesHashesMadeNowWithTheDefaultParameters) {
  SystemRandom random;
  for (const auto& parameters : {Argon2Parameters{}, Argon2Parameters{1024, 3, 2}}) {
    PasswordHasher hasher(parameters, random);
    auto ours = hasher.hash(Secret(kBotanPassword));
    ASSERT_TRUE(ours.ok());
    const std::string password = kBotanPassword;
    EXPECT_TRUE(Botan::argon2_check_pwhash(password.data(), password.size(), *ours)) << *ours;
    EXPECT_FALSE(Botan::argon2_check_pwhash("Contrase", 8, *ours));
    // And the other way round, freshly made by Botan with the same parameters.
    Botan::AutoSeeded_RNG rng;
    const std::string botans = Botan::argon2_generate_pwhash(
        password.data(), password.size(), rng, parameters.parallelism, parameters.memory_kib, parameters.iterations);
    auto check = hasher.verify(Secret(kBotanPassword), botans);
    ASSERT_TRUE(check.ok()) << check.error().message << " " << botans;
    EXPECT_TRUE(check->matches) << botans;
  }
}

// Each admitted check runs in the memory its slot keeps: many threads hashing and verifying at once, with the
// current parameters and with larger ones (memory of its own), all get the right answers.
TEST(PasswordHasher, ManyChecksAtOnceEachGetTheirOwnMemory) {
  SystemRandom random;
  PasswordHasher hasher(kSmall, random, 2);
  auto small = hasher.hash(Secret("Uno-2-tres"));
  ASSERT_TRUE(small.ok());
  PasswordHasher larger_hasher(Argon2Parameters{4096, 1, 1}, random);
  auto larger = larger_hasher.hash(Secret("Uno-2-tres"));
  ASSERT_TRUE(larger.ok());
  std::atomic<int> right{0}, wrong{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string& stored = (t + i) % 3 == 0 ? *larger : *small;
        auto ok = hasher.verify(Secret("Uno-2-tres"), stored);
        auto bad = hasher.verify(Secret("Uno-2-tres!"), stored);
        if (!ok.ok() || !bad.ok()) {
          ++errors;
          continue;
        }
        if (ok->matches) ++right;
        if (!bad->matches) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(right.load(), 30);
  EXPECT_EQ(wrong.load(), 30);
}

TEST(PasswordHasher, AHashMadeWithOtherParametersNeedsRehash) {
  SystemRandom random;
  PasswordHasher old_hasher(kSmall, random);
  PasswordHasher new_hasher(Argon2Parameters{2048, 2, 1}, random);
  auto old_hash = old_hasher.hash(Secret("Parametros=1"));
  ASSERT_TRUE(old_hash.ok());
  auto check = new_hasher.verify(Secret("Parametros=1"), *old_hash);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->matches) << "the string's own parameters are used";
  EXPECT_TRUE(check->needs_rehash);
  auto wrong = new_hasher.verify(Secret("Parametros=2"), *old_hash);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->matches);
}

TEST(PasswordHasher, AStringThatIsNotArgon2idIsAnInternalError) {
  SystemRandom random;
  PasswordHasher hasher(kSmall, random);
  for (const char* bad : {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                          "$argon2id$v=18$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                          "$argon2id$v=19$m=1024,t=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                          "$argon2id$v=19$m=1024,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA"}) {
    auto check = hasher.verify(Secret("x"), bad);
    ASSERT_FALSE(check.ok()) << bad;
    EXPECT_EQ(check.error().code, ErrorCode::internal) << bad;
  }
}

}  // namespace
}  // namespace firma::identity

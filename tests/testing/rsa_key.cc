#include "testing/rsa_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>

namespace emm::testing {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '=' || c == '+' || c == '/') return std::nullopt;  // not base64url
  }
  while (s.size() % 4 != 0) s.push_back('=');
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  while (pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

TestRsaKey MakeTestRsaKey() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  if (pkey == nullptr) {
    std::fprintf(stderr, "EVP_RSA_gen failed\n");
    std::abort();
  }
  TestRsaKey out;
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, pkey);
  out.private_pem = BioText(priv);
  out.public_pem = BioText(pub);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(pkey);
  out.private_pem_base64 = Base64(out.private_pem);
  return out;
}

std::optional<boost::json::object> VerifyRs256Jwt(const std::string& jwt,
                                                  const std::string& public_pem,
                                                  std::string* why) {
  size_t d1 = jwt.find('.');
  size_t d2 = d1 == std::string::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string::npos || jwt.find('.', d2 + 1) != std::string::npos) {
    *why = "not three dot-separated parts";
    return std::nullopt;
  }
  auto header = Base64UrlDecode(jwt.substr(0, d1));
  auto payload = Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1));
  auto sig = Base64UrlDecode(jwt.substr(d2 + 1));
  if (!header || !payload || !sig) {
    *why = "a part is not base64url";
    return std::nullopt;
  }
  boost::json::error_code ec;
  boost::json::value h = boost::json::parse(*header, ec);
  if (ec || h != boost::json::parse(R"({"alg":"RS256","typ":"JWT"})")) {
    *why = "header is not {alg: RS256, typ: JWT}: " + *header;
    return std::nullopt;
  }
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string input = jwt.substr(0, d2);
  bool ok = key != nullptr &&
            EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) {
    *why = "the RS256 signature does not verify with the App's public key";
    return std::nullopt;
  }
  boost::json::value p = boost::json::parse(*payload, ec);
  if (ec || !p.is_object()) {
    *why = "payload is not a JSON object";
    return std::nullopt;
  }
  return p.as_object();
}

}  // namespace emm::testing

#include "github/app_key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>

#include "auth/crypto.h"

namespace emm::github {

struct AppKey::Key {
  EVP_PKEY* pkey;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

// The last OpenSSL error, for messages that name no key material.
std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

constexpr std::string_view kVariable = "GITHUB_RSA_PEM_KEY_B64";

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string out = auth::Base64Encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<AppKey> AppKey::Parse(std::string_view value) {
  std::string pem;
  size_t first = value.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return Status::InvalidArgument(std::string(kVariable), "is empty");
  }
  if (value.substr(first).rfind("-----BEGIN", 0) == 0) {
    pem = std::string(value);
  } else {
    // `base64` without -w0 breaks lines every 76 characters.
    std::string compact;
    for (char c : value) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact.push_back(c);
    }
    std::optional<std::string> decoded = auth::Base64Decode(compact);
    if (!decoded) {
      return Status::InvalidArgument(
          std::string(kVariable),
          "is not base64 (it should be the output of `base64 -w0 your-app.private-key.pem`)");
    }
    pem = std::move(*decoded);
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (pkey == nullptr) {
    return Status::InvalidArgument(
        std::string(kVariable),
        "does not hold a PEM private key (" + OpenSslError() +
            "): it should be the base64 of the .pem file downloaded from the GitHub App's settings");
  }
  std::shared_ptr<const Key> key(new Key{pkey});  // owns pkey from here on
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
    return Status::InvalidArgument(std::string(kVariable),
                                   "holds a private key that is not RSA: GitHub Apps sign with "
                                   "RS256, so their keys are RSA keys");
  }
  return AppKey(std::move(key));
}

Result<std::string> AppKey::SignJwt(std::string_view issuer, int64_t now_s) const {
  // The issuer is a client ID ("Iv1.0123abcd") or an App ID: no character needs JSON escaping
  // beyond these two, and they are refused rather than escaped.
  if (issuer.find_first_of("\"\\") != std::string_view::npos) {
    return Status::InvalidArgument("GITHUB_CLIENT_ID", "must not contain quotes or backslashes");
  }
  const std::string header = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})");
  const std::string payload =
      Base64UrlEncode("{\"iat\":" + std::to_string(now_s - 60) + ",\"exp\":" +
                      std::to_string(now_s + 540) + ",\"iss\":\"" + std::string(issuer) + "\"}");
  const std::string input = header + "." + payload;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len,
                           reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Internal("cannot sign the GitHub App JWT: " + OpenSslError());
  return input + "." + Base64UrlEncode(sig);
}

}  // namespace emm::github

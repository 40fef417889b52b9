#include "github/app_key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>

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
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (size_t rest = data.size() - i; rest > 0) {
    uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') { padding = true; continue; }
    else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    else return std::nullopt;
    if (padding) return std::nullopt;  // data after '='
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character
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
    std::optional<std::string> decoded = Base64Decode(value);
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

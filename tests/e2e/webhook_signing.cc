#include "e2e/webhook_signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

std::string Mac(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

}  // namespace

std::string TestData(const std::string& path) {
  return ReadFile(std::string(EMM_SOURCE_DIR) + "/tests/testdata/" + path);
}

std::string HexHmacSha256(const std::string& secret, const std::string& body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : Mac(secret, body)) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

HttpResponse PostGitHubDelivery(uint16_t port, const std::string& event, const std::string& body,
                                const std::string& delivery, const std::string& signature) {
  Headers h{{"Content-Type", "application/json"},
            {"X-GitHub-Event", event},
            {"X-GitHub-Delivery", delivery}};
  if (!signature.empty()) h.emplace_back("X-Hub-Signature-256", signature);
  return HttpClient(port).Post("/webhooks/github", body, h);
}

std::string SvixSignature(const std::string& base64_key, const std::string& id,
                          const std::string& timestamp, const std::string& body) {
  std::string key(base64_key.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(key.data()),
                          reinterpret_cast<const unsigned char*>(base64_key.data()),
                          static_cast<int>(base64_key.size()));
  key.resize(n - (base64_key.size() - base64_key.find_last_not_of('=') - 1));
  const std::string mac = Mac(key, id + "." + timestamp + "." + body);
  std::string out(4 * ((mac.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(mac.data()),
                  static_cast<int>(mac.size()));
  return "v1," + out;
}

std::string PadTo(const std::string& body, const std::string& name, size_t size) {
  // body = "{...}" -> "{\"name\":\"xxx...\",...}"
  const std::string head = "{\"" + name + "\":\"";
  const std::string tail = "\",";
  const size_t fill = size - body.size() - head.size() - tail.size() + 1;
  return head + std::string(fill, 'x') + tail + body.substr(1);
}

}  // namespace emm::e2e

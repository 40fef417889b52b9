// The small pieces every credential and signature check shares: HMAC-SHA256, hex and base64
// (OpenSSL), and a comparison whose time does not say where two secrets differ.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace emm::auth {

// The raw 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);
// Hex HMAC-SHA256 of `message` under `key` (what GitHub puts after "sha256=").
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// The raw 32-byte SHA-256 of `bytes`.
std::string Sha256(std::string_view bytes);
// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Standard base64 with padding (RFC 4648), and back; nullopt for text that is not exactly that
// (no white space, padding only at the end).
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
// Equal contents, in time that depends only on the lengths, not on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace emm::auth

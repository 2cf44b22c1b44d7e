// A throw-away TLS identity for --tls-self-signed: an EC P-256 key and a
// self-signed certificate for localhost, 127.0.0.1 and ::1, valid for 7 days.
#ifndef MOCK_SLACK_SERVER_SELF_SIGNED_H_
#define MOCK_SLACK_SERVER_SELF_SIGNED_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace mock_slack {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct SelfSigned {
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::string cert_pem;
};

// Returns false and sets *error (naming the OpenSSL step) on failure.
bool MakeSelfSigned(SelfSigned* out, std::string* error);

}  // namespace mock_slack

#endif  // MOCK_SLACK_SERVER_SELF_SIGNED_H_

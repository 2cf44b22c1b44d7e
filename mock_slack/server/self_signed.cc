// The throw-away TLS identity of --tls-self-signed (self_signed.h): an EC
// P-256 key and a self-signed localhost certificate made with OpenSSL.
#include "self_signed.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace mock_slack {
namespace {

std::string OpenSslError(const char* step) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return std::string("tls: ") + step + ": " + buf;
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

bool MakeSelfSigned(SelfSigned* out, std::string* error) {
  out->key.reset(EVP_EC_gen("P-256"));
  if (!out->key) {
    *error = OpenSslError("generating the P-256 key");
    return false;
  }
  out->cert.reset(X509_new());
  X509* cert = out->cert.get();
  unsigned char serial[16];
  if (cert == nullptr || RAND_bytes(serial, sizeof serial) != 1) {
    *error = OpenSslError("creating the certificate");
    return false;
  }
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  ok = ok && X509_set_version(cert, 2) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert), 7L * 24 * 3600) != nullptr &&
       X509_set_pubkey(cert, out->key.get()) == 1;
  X509_NAME* name = X509_get_subject_name(cert);
  ok = ok &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                  0) == 1 &&
       X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("mock-slack"), -1, -1,
                                  0) == 1 &&
       X509_set_issuer_name(cert, name) == 1;
  // It is both the trust anchor clients load and the server certificate.
  ok = ok && AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
       AddExtension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
       AddExtension(cert, NID_ext_key_usage, "serverAuth") &&
       AddExtension(cert, NID_subject_key_identifier, "hash") &&
       AddExtension(cert, NID_authority_key_identifier, "keyid:always") &&
       AddExtension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (!ok || X509_sign(cert, out->key.get(), EVP_sha256()) == 0) {
    *error = OpenSslError("building the certificate");
    return false;
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_X509(bio, cert) != 1) {
    BIO_free(bio);
    *error = OpenSslError("encoding the certificate");
    return false;
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  out->cert_pem.assign(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return true;
}

}  // namespace mock_slack

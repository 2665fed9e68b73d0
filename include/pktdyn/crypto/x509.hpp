// pktdyn — a summary of one X.509 certificate (DER), decoded by OpenSSL's d2i_X509 (link
// pktdyn::crypto). For flow records: who the certificate names, who issued it, when it is valid,
// what key it carries. Called once per certificate seen, never per packet.
//
// Nothing here judges trust: `self_signed` says the certificate verifies with its own key, not
// that it is acceptable. Malformed DER gives an error value, never a crash (OpenSSL's DER decoder is
// what reads the untrusted bytes; pktdyn does not hand-parse ASN.1).
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <ctime>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pktdyn/core/result.hpp"

namespace pktdyn::crypto {

struct certificate_summary {
    int version = 0;                     ///< 1, 2 or 3 (the X.509 version, not the DER value)
    std::string serial_hex;              ///< lowercase hex, two digits per byte, '-' first when negative
    std::string subject;                 ///< the subject name in RFC 2253 form (e.g. "CN=a.example,O=Example")
    std::string issuer;                  ///< the issuer name in RFC 2253 form
    std::string subject_cn;              ///< the last commonName of the subject (UTF-8); empty if none
    std::string issuer_cn;               ///< the last commonName of the issuer (UTF-8); empty if none
    std::int64_t not_before = 0;         ///< validity start, Unix seconds (UTC)
    std::int64_t not_after = 0;          ///< validity end, Unix seconds (UTC)
    std::vector<std::string> dns_names;  ///< subjectAltName dNSName entries, in order
    bool self_issued = false;            ///< subject name equals issuer name
    bool self_signed = false;            ///< self-issued and the signature verifies with its own key
    std::string public_key_algorithm;    ///< OpenSSL's long name: "rsaEncryption", "id-ecPublicKey", "ED25519"
    int public_key_bits = 0;             ///< key size in bits (0 when OpenSSL cannot load the key)
    std::string signature_algorithm;     ///< OpenSSL's long name: "sha256WithRSAEncryption", "ecdsa-with-SHA256"
    std::size_t der_length = 0;          ///< bytes of the certificate's DER encoding
};

namespace detail {

struct x509_free { void operator()(X509* x) const noexcept { X509_free(x); } };
struct bio_free { void operator()(BIO* b) const noexcept { BIO_free(b); } };
struct names_free { void operator()(GENERAL_NAMES* n) const noexcept { GENERAL_NAMES_free(n); } };

[[nodiscard]] inline std::string asn1_utf8(const ASN1_STRING* s) {
    unsigned char* out = nullptr;
    const int n = ASN1_STRING_to_UTF8(&out, s);
    if (n < 0) return {};
    std::string r(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return r;
}

[[nodiscard]] inline std::string last_cn(const X509_NAME* name) {
    int found = -1;
    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i))
        found = i;
    if (found < 0) return {};
    return asn1_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, found)));
}

[[nodiscard]] inline std::string rfc2253(const X509_NAME* name) {
    std::unique_ptr<BIO, bio_free> bio{BIO_new(BIO_s_mem())};
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string{};
}

[[nodiscard]] inline bool unix_seconds(const ASN1_TIME* t, std::int64_t& out) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    namespace ch = std::chrono;
    const ch::sys_days date{ch::year{tm.tm_year + 1900} / ch::month{static_cast<unsigned>(tm.tm_mon + 1)} /
                            ch::day{static_cast<unsigned>(tm.tm_mday)}};
    out = ch::duration_cast<ch::seconds>(date.time_since_epoch()).count() + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

[[nodiscard]] inline std::string object_name(const ASN1_OBJECT* o) {
    const int nid = OBJ_obj2nid(o);
    if (nid != NID_undef) {
        if (const char* ln = OBJ_nid2ln(nid)) return ln;
    }
    char buf[128];
    const int n = OBJ_obj2txt(buf, sizeof buf, o, 1);  // unknown: the dotted OID
    return n > 0 ? std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1)) : std::string{};
}

}  // namespace detail

/// Summarises one DER certificate. Errors: the bytes are not a certificate OpenSSL can decode, or
/// its validity times cannot be read.
[[nodiscard]] inline result<certificate_summary> summarize_certificate(std::span<const std::byte> der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
        return error{errc::corrupt, "X.509: empty or oversized DER"};
    std::unique_ptr<X509, detail::x509_free> x{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
    if (!x) {
        ERR_clear_error();
        return error{errc::corrupt, "X.509: d2i_X509 could not decode the certificate"};
    }
    certificate_summary s;
    s.der_length = static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(der.data()));
    s.version = static_cast<int>(X509_get_version(x.get())) + 1;

    if (const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get())) {
        if (BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr)) {
            if (char* hex = BN_bn2hex(bn)) {
                s.serial_hex = hex;
                OPENSSL_free(hex);
            }
            BN_free(bn);
        }
        for (auto& c : s.serial_hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }

    const X509_NAME* subject = X509_get_subject_name(x.get());
    const X509_NAME* issuer = X509_get_issuer_name(x.get());
    s.subject = detail::rfc2253(subject);
    s.issuer = detail::rfc2253(issuer);
    s.subject_cn = detail::last_cn(subject);
    s.issuer_cn = detail::last_cn(issuer);

    if (!detail::unix_seconds(X509_get0_notBefore(x.get()), s.not_before) ||
        !detail::unix_seconds(X509_get0_notAfter(x.get()), s.not_after)) {
        ERR_clear_error();
        return error{errc::corrupt, "X.509: the validity times cannot be read"};
    }

    std::unique_ptr<GENERAL_NAMES, detail::names_free> sans{
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr))};
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
            const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans.get(), i);
            if (g->type == GEN_DNS) {
                const ASN1_IA5STRING* d = g->d.dNSName;
                s.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                                         static_cast<std::size_t>(ASN1_STRING_length(d)));
            }
        }
    }

    if (X509_PUBKEY* pub = X509_get_X509_PUBKEY(x.get())) {
        ASN1_OBJECT* alg = nullptr;
        if (X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, pub) == 1 && alg)
            s.public_key_algorithm = detail::object_name(alg);
    }
    EVP_PKEY* key = X509_get0_pubkey(x.get());  // owned by the certificate
    if (key) s.public_key_bits = EVP_PKEY_get_bits(key);

    const X509_ALGOR* sig_alg = nullptr;
    X509_get0_signature(nullptr, &sig_alg, x.get());
    if (sig_alg) {
        const ASN1_OBJECT* o = nullptr;
        X509_ALGOR_get0(&o, nullptr, nullptr, sig_alg);
        if (o) s.signature_algorithm = detail::object_name(o);
    }

    s.self_issued = X509_NAME_cmp(subject, issuer) == 0;
    s.self_signed = s.self_issued && key && X509_verify(x.get(), key) == 1;
    ERR_clear_error();  // a failed verification leaves its reason on the thread's error queue
    return s;
}

}  // namespace pktdyn::crypto

// libFuzzer target: the rule sets that judge a flow's text — encryption posture (detect/posture.hpp)
// and suspicious TLS (detect/suspicious_tls.hpp: names, certificates, the block list's parser). The
// input is split at newlines into the text columns both read, in order; the numbers come from the
// first bytes. Texts that came off the wire (server names, certificate names, banners, algorithm
// lists) are adversarial, so every field is taken as it is.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/detect/posture.hpp"
#include "pktdyn/detect/suspicious_tls.hpp"

namespace {
template <class Judge>
void judge(Judge& j, std::span<const std::string_view> fields, const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> names;
    for (auto n : Judge::number_columns) names.emplace_back(n);
    for (auto n : Judge::text_columns) names.emplace_back(n);
    if (!j.bind(names)) __builtin_trap();
    std::vector<double> numbers(names.size(), std::nan(""));
    std::vector<std::string_view> texts(names.size());
    for (std::size_t i = 0; i < Judge::number_columns.size() && i * 2 + 1 < size; ++i) {
        std::uint16_t v = 0;
        std::memcpy(&v, data + i * 2, 2);
        numbers[i] = v == 0xffff ? std::nan("") : static_cast<double>(v) * (i == 0 ? 30000.0 : 1.0);
    }
    for (std::size_t i = 0; i < Judge::text_columns.size() && i < fields.size(); ++i)
        texts[Judge::number_columns.size() + i] = fields[i];
    std::vector<double> out(j.outputs().size());
    std::vector<std::string_view> text_out(j.text_outputs().size());
    j.score(numbers, texts, out, text_out);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> fields;
    for (std::string_view rest = text; !rest.empty();) {
        const auto end = std::min(rest.find('\n'), rest.size());
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    pktdyn::encryption_posture posture;
    judge(posture, fields, data, size);
    pktdyn::suspicious_tls::options o;
    o.blocklist = std::make_shared<const pktdyn::fingerprint_blocklist>(pktdyn::fingerprint_blocklist::parse(text));
    pktdyn::suspicious_tls tls(std::move(o));
    judge(tls, fields, data, size);
    return 0;
}

#include "pktdyn/core/text.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using pktdyn::escape_text;
using pktdyn::unescape_text;

TEST_CASE("text from the wire keeps valid UTF-8 and escapes what could harm a reader", "[core][text]") {
    CHECK(escape_text("www.example.com") == "www.example.com");
    CHECK(escape_text("b\xc3\xbc\x63her.de") == "b\xc3\xbc\x63her.de");         // ü kept
    CHECK(escape_text("\xe4\xbe\x8b\xe5\xad\x90") == "\xe4\xbe\x8b\xe5\xad\x90");  // CJK kept
    CHECK(escape_text("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");                  // 4-byte emoji kept
    CHECK(escape_text("a\\b") == "a\\\\b");
    CHECK(escape_text(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(escape_text("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");  // a terminal title sequence
    CHECK(escape_text("\x1b[2J") == "\\x1b[2J");                     // clear screen
    CHECK(escape_text("del\x7f") == "del\\x7f");
    CHECK(escape_text("\r\n\t,\"") == "\\x0d\\x0a\\x09,\"");          // CSV and JSON quoting is the sink's
    CHECK(escape_text("\xe9t\xe9") == "\\xe9t\\xe9");                 // Latin-1, not UTF-8
    CHECK(escape_text("\xc0\xaf") == "\\xc0\\xaf");                   // overlong '/'
    CHECK(escape_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");          // a surrogate
    CHECK(escape_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    CHECK(escape_text("\xe2\x82") == "\\xe2\\x82");                   // cut short
    CHECK(escape_text("\xc2\x9b" "31m") == "\\xc2\\x9b" "31m");       // C1 CSI
    CHECK(escape_text("evil\xe2\x80\xaegpj.exe") == "evil\\xe2\\x80\\xaegpj.exe");  // right-to-left override
    CHECK(escape_text("a\xe2\x80\xa8z") == "a\\xe2\\x80\\xa8z");      // line separator
    CHECK(escape_text("\xc2\xa0") == "\xc2\xa0");                     // no-break space: printable
}

TEST_CASE("escaped text is valid UTF-8 without controls, and unescapes to the original bytes", "[core][text]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 20000; ++round) {
        std::string raw(rng() % 24, '\0');
        for (auto& c : raw) c = static_cast<char>(rng() % 4 == 0 ? "\\\xe2\x80\xae\xc3\xa9"[rng() % 6] : rng());
        const std::string text = escape_text(raw);
        CHECK(unescape_text(text) == raw);
        for (std::size_t i = 0; i < text.size();) {
            const std::size_t n = pktdyn::detail::text::utf8_length(text, i);
            REQUIRE(n != 0);
            REQUIRE_FALSE(pktdyn::detail::text::unsafe(text, i, n));
            i += n;
        }
    }
}

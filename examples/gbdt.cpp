// pktdyn-gbdt: trains a gradient-boosted tree classifier on a feature file, reports how it does on
// rows it did not see, saves it as an XGBoost model, and scores other files with it.
//
//   pktdyn-gbdt [train] --label NAME [options] FILE
//   pktdyn-gbdt score --model MODEL.json [--output FILE] FILE
//
// FILE is a CSV file (a header row naming the columns, then one row per line; an empty cell is a
// missing value; cells may be quoted, "a,b", but not span lines) or a 2-D NumPy .npy matrix
// (float64, or another numeric dtype, read as doubles) with its column names one per line in the
// sidecar NAME.columns.txt, as `pktdyn-flowmeter --format npy` writes it. Every numeric column but the label is a feature. CSV columns whose
// first value is not a number (addresses, Community IDs, ...) are left out, with a note.
//
// Labels: each distinct label is a class, and classes are numbered in sorted order: numerically when
// every label is a number (so labels 0..K-1 are classes 0..K-1), else as text. Two classes train a
// logistic model, more a softmax one.
//
//   --label NAME           the label column (required for training)
//   --ignore A,B,...       more columns to leave out of the features (identifiers, ports, ...)
//   --test-fraction F      rows held out for the report, per class (default 0.2; 0: none; below 1)
//   --seed N               the held-out rows are chosen by this seed (default 0; 0 to 2^64-1)
//   --rounds N             boosting rounds (default 100; 1 to 100000)
//   --depth N              tree depth (default 6; 1 to 20)
//   --learning-rate E      shrinkage per round (default 0.3; above 0, at most 1)
//   --threads N            threads for training (default 0: every core; at most 1024; the model
//                          is the same)
//   --held-out FILE        write the held-out rows' predictions as CSV: data row (from 1), label,
//                          predicted class, each class's probability
//   --save MODEL.json      write the model as XGBoost 1.7 JSON (python3-xgboost loads it), and the
//                          class names one per line to MODEL.classes.txt
//
// The report: accuracy, macro-F1 (the mean of each class's F1 over the classes held out or
// predicted, as scikit-learn), AUC for two classes, and the confusion matrix by class name.
//
// `score` writes a CSV with one line per input row: the predicted class and each class's
// probability (p_NAME; a file without rows still gets the header, every class in it). Columns are
// matched to the model's features by name, so the file may hold them in any order and hold others.
// A model without feature names (XGBoost trained on a bare matrix) is read by position, as XGBoost
// does, when the file has exactly as many feature columns as the model has features, and says so.
// It also reads LightGBM text models (a MODEL.txt file).
//
// Numbers in options are read strictly: a whole number or a decimal, all of it, within the option's
// range; a bad option is named with the reason, then the usage, and the exit status is 2.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/export/npy.hpp"
#include "pktdyn/models/gbdt_train.hpp"
#include "pktdyn/models/lightgbm_text.hpp"
#include "pktdyn/models/xgboost_json.hpp"

namespace {

namespace fs = std::filesystem;

/// A problem the user has to fix: the message names the file, the column, the line.
struct failure {
    std::string message;
};

// ---- Reading feature files.

/// The numeric columns of a file as a row-major matrix, and the label column's cells as text.
struct table {
    std::vector<std::string> columns;  // the feature columns, in file order
    std::vector<double> values;        // rows x columns
    std::vector<std::string> labels;   // one per row when a label column was asked for
    std::size_t rows = 0;
};

std::optional<double> parse_number(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
    if (s.empty()) return std::numeric_limits<double>::quiet_NaN();  // missing
    if (s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

/// Splits one CSV line into cells (RFC 4180 quoting: "a,b" and "" for a quote inside).
std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else cells.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.emplace_back();
        } else if (c != '\r') {
            cells.back() += c;
        }
    }
    return cells;
}

/// Columns `keep` says are features become the table; `label` (if not empty) is read as text.
table assemble(const std::string& file, const std::vector<std::string>& names, std::size_t rows,
               const std::vector<std::string>& label, const std::vector<bool>& keep,
               const auto& cell /* (row, column) -> double */) {
    table t;
    t.rows = rows;
    t.labels = label;
    std::vector<std::size_t> kept;
    for (std::size_t c = 0; c < names.size(); ++c)
        if (keep[c]) kept.push_back(c), t.columns.push_back(names[c]);
    if (t.columns.empty()) throw failure{fmt::format("{}: no numeric feature columns", file)};
    t.values.reserve(rows * kept.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c : kept) t.values.push_back(cell(r, c));
    return t;
}

/// At most `limit` names, then how many more: messages stay readable for files with 50,000 columns.
std::string some_names(const std::vector<std::string>& names, std::size_t limit = 20) {
    if (names.size() <= limit) return fmt::format("{}", fmt::join(names, ", "));
    return fmt::format("{}, ... ({} more)", fmt::join(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(limit), ", "),
                       names.size() - limit);
}

std::vector<bool> features_of(const std::string& file, const std::vector<std::string>& names, const std::string& label,
                              const std::set<std::string>& ignore) {
    // One pass with a hash of names seen: a file may have tens of thousands of columns.
    std::unordered_map<std::string_view, std::size_t> first;
    first.reserve(names.size());
    for (std::size_t c = 0; c < names.size(); ++c)
        if (const auto [at, fresh] = first.try_emplace(names[c], c); !fresh)
            throw failure{fmt::format("{}: column '{}' appears more than once (columns {} and {}, counting from 1)", file, names[c],
                                      at->second + 1, c + 1)};
    std::vector<bool> keep(names.size(), true);
    for (std::size_t c = 0; c < names.size(); ++c) keep[c] = names[c] != label && !ignore.contains(names[c]);
    if (!label.empty() && !first.contains(label))
        throw failure{fmt::format("{}: no label column '{}' (the {} columns are: {})", file, label, names.size(), some_names(names))};
    for (const auto& name : ignore)
        if (!first.contains(name))
            throw failure{fmt::format("{}: --ignore names a column '{}' that the file does not have", file, name)};
    return keep;
}

table read_csv(const std::string& file, const std::string& label, const std::set<std::string>& ignore) {
    auto mapped = pktdyn::mapped_file::open(file);
    if (!mapped) throw failure{mapped.error().message()};
    const auto bytes = mapped->bytes();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::vector<std::vector<std::string>> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        const auto line = text.substr(pos, end - pos);
        if (!line.empty() && line != "\r") lines.push_back(split_csv(line));
        pos = end + 1;
    }
    if (lines.empty()) throw failure{fmt::format("{}: empty file, expected a header row naming the columns", file)};
    const std::vector<std::string> names = lines.front();
    std::vector<bool> keep = features_of(file, names, label, ignore);
    const std::size_t rows = lines.size() - 1;
    for (std::size_t r = 1; r < lines.size(); ++r)
        if (lines[r].size() != names.size())
            throw failure{fmt::format("{}: data row {} has {} cells, the header {} columns", file, r, lines[r].size(),
                                      names.size())};
    // A column is text when its first value is not a number; a number column must hold numbers.
    std::vector<std::string> text_columns;
    for (std::size_t c = 0; c < names.size(); ++c) {
        if (!keep[c]) continue;
        bool numeric = true, seen = false;
        for (std::size_t r = 1; r < lines.size(); ++r) {
            const auto v = parse_number(lines[r][c]);
            if (v && std::isnan(*v) && lines[r][c].find_first_not_of(" \r") == std::string::npos) continue;  // empty
            if (!seen && !v) numeric = false;
            if (seen && numeric && !v)
                throw failure{fmt::format("{}: data row {}, column '{}': '{}' is not a number", file, r, names[c], lines[r][c])};
            seen = true;
        }
        if (!numeric) keep[c] = false, text_columns.push_back(names[c]);
    }
    if (!text_columns.empty())
        fmt::print(stderr, "pktdyn-gbdt: {}: leaving out {} text column{}: {}\n", file, text_columns.size(),
                   text_columns.size() == 1 ? "" : "s", fmt::join(text_columns, ", "));
    std::vector<std::string> labels;
    if (!label.empty()) {
        const auto at = static_cast<std::size_t>(std::find(names.begin(), names.end(), label) - names.begin());
        for (std::size_t r = 1; r < lines.size(); ++r) labels.push_back(lines[r][at]);
    }
    return assemble(file, names, rows, labels, keep, [&](std::size_t r, std::size_t c) { return *parse_number(lines[r + 1][c]); });
}

table read_npy_table(const std::string& file, const std::string& label, const std::set<std::string>& ignore) {
    const std::string names_file = fs::path(file).replace_extension(".columns.txt").string();
    std::ifstream names_in(names_file);
    if (!names_in) throw failure{fmt::format("{}: cannot read its column names from {}", file, names_file)};
    std::vector<std::string> names;
    for (std::string line; std::getline(names_in, line);)
        if (!line.empty()) names.push_back(line);
    // pktdyn's reader, not xt::load_npy: it checks the header's shape against the file's size
    // before allocating (see export/npy.hpp).
    auto m = pktdyn::read_npy(fs::path(file));
    if (!m) throw failure{m.error().message()};
    if (m->columns != names.size())
        throw failure{fmt::format("{}: {} columns, but {} names {}", file, m->columns, names_file, names.size())};
    const std::vector<bool> keep = features_of(file, names, label, ignore);
    std::vector<std::string> labels;
    if (!label.empty()) {
        const auto at = static_cast<std::size_t>(std::find(names.begin(), names.end(), label) - names.begin());
        for (std::size_t r = 0; r < m->rows; ++r)
            labels.push_back(std::isnan((*m)(r, at)) ? std::string() : fmt::format("{}", (*m)(r, at)));
    }
    return assemble(file, names, m->rows, labels, keep, [&](std::size_t r, std::size_t c) { return (*m)(r, c); });
}

table read_table(const std::string& file, const std::string& label, const std::set<std::string>& ignore) {
    return fs::path(file).extension() == ".npy" ? read_npy_table(file, label, ignore) : read_csv(file, label, ignore);
}

// ---- Labels to classes.

struct classes {
    std::vector<std::string> names;
    std::vector<double> of_row;
};

classes classes_of(const std::string& file, const std::string& label, const std::vector<std::string>& cells) {
    // The classes are the distinct labels in sorted order: numerically when every label is a number
    // (so labels 0..K-1 are their own classes), else as text.
    bool numeric = true;
    for (std::size_t r = 0; r < cells.size(); ++r) {
        if (cells[r].find_first_not_of(" \r") == std::string::npos)
            throw failure{fmt::format("{}: data row {} has no label in column '{}'", file, r + 1, label)};
        const auto v = parse_number(cells[r]);
        numeric = numeric && v && std::isfinite(*v);
    }
    std::vector<std::string> keys;  // the label of each row as it is compared
    for (const auto& cell : cells) keys.push_back(numeric ? fmt::format("{}", *parse_number(cell)) : cell);
    std::vector<std::string> names = keys;
    const auto less = [&](const std::string& a, const std::string& b) {
        return numeric ? *parse_number(a) < *parse_number(b) : a < b;
    };
    std::sort(names.begin(), names.end(), less);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.size() < 2)
        throw failure{fmt::format("{}: label column '{}' has a single class ('{}'); training needs two or more", file, label,
                                  names.empty() ? "" : names.front())};
    if (names.size() > 1024) throw failure{fmt::format("{}: label column '{}' has {} classes (at most 1024)", file, label, names.size())};
    classes k{names, {}};
    for (const auto& key : keys)
        k.of_row.push_back(static_cast<double>(std::lower_bound(names.begin(), names.end(), key, less) - names.begin()));
    return k;
}

// ---- Metrics.

struct report {
    double accuracy = 0, macro_f1 = 0;
    std::optional<double> auc;
    std::vector<std::vector<std::size_t>> confusion;  // [true][predicted]
};

/// The area under the ROC curve: the chance a positive row scores above a negative one (ties half).
std::optional<double> roc_auc(const std::vector<double>& p_positive, const std::vector<double>& truth) {
    std::vector<std::size_t> order(truth.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p_positive[a] < p_positive[b]; });
    double positives = 0, rank_sum = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && p_positive[order[j]] == p_positive[order[i]]) ++j;
        const double mean_rank = (static_cast<double>(i + j) + 1) / 2;  // ranks from 1, ties share
        for (std::size_t t = i; t < j; ++t)
            if (truth[order[t]] == 1) positives += 1, rank_sum += mean_rank;
        i = j;
    }
    const double negatives = static_cast<double>(truth.size()) - positives;
    if (positives == 0 || negatives == 0) return std::nullopt;
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

/// probabilities: rows x classes.
report evaluate(const std::vector<double>& probabilities, const std::vector<double>& truth, std::size_t k) {
    report rep;
    rep.confusion.assign(k, std::vector<std::size_t>(k, 0));
    std::size_t right = 0;
    for (std::size_t r = 0; r < truth.size(); ++r) {
        const auto* p = probabilities.data() + r * k;
        const auto predicted = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        const auto actual = static_cast<std::size_t>(truth[r]);
        ++rep.confusion[actual][predicted];
        right += predicted == actual;
    }
    rep.accuracy = truth.empty() ? 0 : static_cast<double>(right) / static_cast<double>(truth.size());
    // F1 = 2 TP / (2 TP + FP + FN), averaged over the classes held out or predicted (as scikit-learn).
    std::size_t present = 0;
    for (std::size_t c = 0; c < k; ++c) {
        std::size_t fp = 0, fn = 0;
        for (std::size_t o = 0; o < k; ++o)
            if (o != c) fp += rep.confusion[o][c], fn += rep.confusion[c][o];
        const double tp = static_cast<double>(rep.confusion[c][c]);
        const double denominator = 2 * tp + static_cast<double>(fp + fn);
        if (denominator > 0) rep.macro_f1 += 2 * tp / denominator, ++present;
    }
    rep.macro_f1 /= static_cast<double>(std::max<std::size_t>(present, 1));
    if (k == 2) {
        std::vector<double> p1;
        for (std::size_t r = 0; r < truth.size(); ++r) p1.push_back(probabilities[r * 2 + 1]);
        rep.auc = roc_auc(p1, truth);
    }
    return rep;
}

/// Class probabilities of every row (rows x classes): a logistic model's one output becomes two.
std::vector<double> probabilities(const pktdyn::forest& f, const std::vector<double>& values, std::size_t width) {
    const pktdyn::dense_rows rows{values, width};
    std::vector<double> out(rows.rows() * f.num_outputs());
    f.predict(rows, out);
    if (f.num_outputs() > 1 || f.transform() != pktdyn::output_transform::logistic) return out;
    std::vector<double> two;
    two.reserve(out.size() * 2);
    for (double p : out) two.push_back(1 - p), two.push_back(p);
    return two;
}

// ---- Options.

struct options {
    std::string command = "train";
    std::string file, label, save, model, output, held_out;
    std::set<std::string> ignore;
    double test_fraction = 0.2;
    std::uint64_t seed = 0;
    pktdyn::gbdt_params params;
    bool help = false;
};

/// A command line that cannot run: the message names the option and why; the usage follows.
struct usage_error {
    std::string message;
};

/// A whole number in [low, high], all of `text` ("12abc", "1e3", "+5", " 5" are not).
std::uint64_t whole_number(std::string_view option, std::string_view text, std::uint64_t low, std::uint64_t high,
                           std::string_view note = "") {
    const auto range = [&] {
        return usage_error{fmt::format("{} {}: out of range: {} to {}{}", option, text, low, high, note)};
    };
    const bool negative = text.starts_with('-');
    const std::string_view digits = negative ? text.substr(1) : text;
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (end != digits.data() + digits.size() || (ec != std::errc{} && ec != std::errc::result_out_of_range) || digits.empty())
        throw usage_error{fmt::format("{} {}: not a whole number", option, text)};
    if (ec != std::errc{} || (negative && (v != 0 || low > 0)) || v < low || v > high) throw range();
    return v;
}

/// A finite decimal ("0.25", "1e-3") within the range `within` checks, all of `text`.
double decimal(std::string_view option, std::string_view text, bool (*within)(double), std::string_view range) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (end != text.data() + text.size() || (ec != std::errc{} && ec != std::errc::result_out_of_range) || text.empty())
        throw usage_error{fmt::format("{} {}: not a number", option, text)};
    if (ec == std::errc::result_out_of_range) throw usage_error{fmt::format("{} {}: out of range: {}", option, text, range)};
    if (!std::isfinite(v)) throw usage_error{fmt::format("{} {}: not a finite number", option, text)};
    if (!within(v)) throw usage_error{fmt::format("{} {}: out of range: {}", option, text, range)};
    return v;
}

// The ranges: --depth as train_gbdt allows; --threads and --rounds bound what a typo can ask for.
constexpr std::uint64_t max_threads = 1024, max_rounds = 100000, max_depth = 20;

options parse(int argc, char** argv) {
    options o;
    std::vector<std::string> given;  // the options on the line, to check they fit the command
    int i = 1;
    if (i < argc && (std::string_view(argv[i]) == "train" || std::string_view(argv[i]) == "score")) o.command = argv[i++];
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw usage_error{fmt::format("{} needs a value", a)};
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            o.help = true;
            return o;
        }
        if (a.starts_with("--")) given.push_back(a);
        if (a == "--label") o.label = value();
        else if (a == "--ignore") {
            const std::string list = value();
            for (std::size_t pos = 0; pos <= list.size();) {
                const std::size_t end = std::min(list.find(',', pos), list.size());
                if (end > pos) o.ignore.insert(list.substr(pos, end - pos));
                pos = end + 1;
            }
        } else if (a == "--test-fraction") {
            o.test_fraction = decimal(a, value(), [](double v) { return v >= 0 && v < 1; }, "0 (hold none out) to below 1");
        } else if (a == "--seed") {
            o.seed = whole_number(a, value(), 0, std::numeric_limits<std::uint64_t>::max());
        } else if (a == "--rounds") {
            o.params.rounds = static_cast<std::size_t>(whole_number(a, value(), 1, max_rounds));
        } else if (a == "--depth") {
            o.params.max_depth = static_cast<std::uint32_t>(whole_number(a, value(), 1, max_depth));
        } else if (a == "--learning-rate") {
            o.params.learning_rate = decimal(a, value(), [](double v) { return v > 0 && v <= 1; }, "above 0, at most 1");
        } else if (a == "--threads") {
            o.params.threads = static_cast<unsigned>(whole_number(a, value(), 0, max_threads, " (0: every core)"));
        } else if (a == "--save") o.save = value();
        else if (a == "--held-out") o.held_out = value();
        else if (a == "--model") o.model = value();
        else if (a == "--output") o.output = value();
        else if (a.starts_with("-") && a.size() > 1) throw usage_error{fmt::format("unknown option '{}'", a)};
        else if (!o.file.empty()) throw usage_error{fmt::format("a second FILE '{}' (the first is '{}'): one file at a time", a, o.file)};
        else o.file = a;
    }
    const auto first_of = [&](std::initializer_list<std::string_view> names) -> std::string {
        for (const auto& g : given)
            for (std::string_view n : names)
                if (g == n) return g;
        return {};
    };
    if (o.command == "train") {
        if (const auto other = first_of({"--model", "--output"}); !other.empty())
            throw usage_error{fmt::format("{} is for score; train writes its model with --save", other)};
        if (o.label.empty()) throw usage_error{"train needs --label NAME, the column that holds each row's class"};
        if (!o.held_out.empty() && o.test_fraction == 0)
            throw usage_error{"--held-out writes the held-out rows, but --test-fraction 0 holds none out"};
    } else {
        if (const auto other = first_of({"--label", "--ignore", "--test-fraction", "--seed", "--rounds", "--depth",
                                         "--learning-rate", "--threads", "--save", "--held-out"});
            !other.empty())
            throw usage_error{fmt::format("{} is for train, not score", other)};
        if (o.model.empty()) throw usage_error{"score needs --model MODEL.json (or a LightGBM MODEL.txt)"};
    }
    if (o.file.empty()) throw usage_error{"no FILE to read (a .csv, or a .npy with its .columns.txt)"};
    return o;
}

void write_file(const std::string& path, const fmt::memory_buffer& b) {
    std::FILE* out = path.empty() ? stdout : std::fopen(path.c_str(), "w");
    if (out == nullptr) throw failure{fmt::format("cannot write {}", path)};
    const bool written = std::fwrite(b.data(), 1, b.size(), out) == b.size();
    if ((out != stdout ? std::fclose(out) : std::fflush(out)) != 0 || !written)
        throw failure{fmt::format("cannot write {}", path.empty() ? "standard output" : path)};
}

fs::path classes_file(const std::string& model) { return fs::path(model).replace_extension(".classes.txt"); }

// ---- Commands.

int train(const options& o) {
    const table t = read_table(o.file, o.label, o.ignore);
    if (t.rows == 0) throw failure{fmt::format("{}: no data rows", o.file)};
    const classes k = classes_of(o.file, o.label, t.labels);
    const std::size_t width = t.columns.size();

    // The held-out rows: the same fraction of each class, chosen by the seed.
    std::vector<std::vector<std::size_t>> by_class(k.names.size());
    for (std::size_t r = 0; r < t.rows; ++r) by_class[static_cast<std::size_t>(k.of_row[r])].push_back(r);
    std::mt19937_64 rng(o.seed);
    std::vector<bool> held(t.rows, false);
    for (auto& rows : by_class) {
        std::shuffle(rows.begin(), rows.end(), rng);
        const auto n = static_cast<std::size_t>(std::llround(o.test_fraction * static_cast<double>(rows.size())));
        for (std::size_t i = 0; i < n; ++i) held[rows[i]] = true;
    }
    std::vector<double> train_x, train_y, test_x, test_y;
    std::vector<std::size_t> test_rows;
    for (std::size_t r = 0; r < t.rows; ++r) {
        if (held[r]) test_rows.push_back(r);
        auto& x = held[r] ? test_x : train_x;
        x.insert(x.end(), t.values.begin() + static_cast<std::ptrdiff_t>(r * width),
                 t.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * width));
        (held[r] ? test_y : train_y).push_back(k.of_row[r]);
    }

    fmt::print("{}: {} rows, {} features, label '{}' with {} classes:", o.file, t.rows, width, o.label, k.names.size());
    for (std::size_t c = 0; c < k.names.size(); ++c) fmt::print(" {} ({})", k.names[c], by_class[c].size());
    fmt::print("\ntraining on {} rows, holding out {} (fraction {} of each class, seed {})\n", train_y.size(), test_y.size(),
               o.test_fraction, o.seed);

    pktdyn::gbdt_params p = o.params;
    p.loss = k.names.size() == 2 ? pktdyn::gbdt_loss::logistic : pktdyn::gbdt_loss::softmax;
    p.num_classes = k.names.size();
    p.feature_names = t.columns;
    const auto start = std::chrono::steady_clock::now();
    auto model = pktdyn::train_gbdt(pktdyn::dense_rows{train_x, width}, train_y, p);
    if (!model) throw failure{fmt::format("{}: {}", o.file, model.error().message())};
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("{} rounds, depth {}, learning rate {}: {} trees in {:.2f} s\n", p.rounds, p.max_depth, p.learning_rate,
               model->trees.size(), seconds);

    if (!test_y.empty()) {
        auto forest = model->to_forest();
        if (!forest) throw failure{forest.error().message()};
        const std::vector<double> prob = probabilities(*forest, test_x, width);
        const report rep = evaluate(prob, test_y, k.names.size());
        fmt::print("held-out: accuracy {:.4f}  macro-F1 {:.4f}", rep.accuracy, rep.macro_f1);
        if (k.names.size() == 2) fmt::print("  AUC {}", rep.auc ? fmt::format("{:.4f}", *rep.auc) : "n/a (one class held out)");
        std::size_t w = fmt::formatted_size("{}", test_y.size());
        for (const auto& n : k.names) w = std::max(w, n.size());
        fmt::print("\nconfusion matrix (rows: true class, columns: predicted)\n{:>{}}", "", w);
        for (const auto& n : k.names) fmt::print("  {:>{}}", n, w);
        for (std::size_t c = 0; c < k.names.size(); ++c) {
            fmt::print("\n{:>{}}", k.names[c], w);
            for (std::size_t v : rep.confusion[c]) fmt::print("  {:>{}}", v, w);
        }
        fmt::print("\n");
        if (!o.held_out.empty()) {  // for ROC curves and checks: data row (from 1), true class, probabilities
            fmt::memory_buffer b;
            fmt::format_to(std::back_inserter(b), "row,label,predicted");
            for (const auto& n : k.names) fmt::format_to(std::back_inserter(b), ",p_{}", n);
            for (std::size_t i = 0; i < test_rows.size(); ++i) {
                const double* row = prob.data() + i * k.names.size();
                const auto best = static_cast<std::size_t>(std::max_element(row, row + k.names.size()) - row);
                fmt::format_to(std::back_inserter(b), "\n{},{},{}", test_rows[i] + 1, k.names[static_cast<std::size_t>(test_y[i])],
                               k.names[best]);
                for (std::size_t c = 0; c < k.names.size(); ++c) fmt::format_to(std::back_inserter(b), ",{}", row[c]);
            }
            b.push_back('\n');
            write_file(o.held_out, b);
        }
    }
    if (!o.save.empty()) {
        if (auto saved = model->save_xgboost_json(o.save); !saved) throw failure{saved.error().message()};
        const fs::path names = classes_file(o.save);
        std::ofstream out(names);
        for (const auto& n : k.names) out << n << '\n';
        if (!out) throw failure{fmt::format("cannot write {}", names.string())};
        fmt::print("saved {} (class names in {})\n", o.save, names.string());
    }
    return 0;
}

int score(const options& o) {
    auto model = fs::path(o.model).extension() == ".txt" ? pktdyn::load_lightgbm_text_file(o.model)
                                                         : pktdyn::load_xgboost_json_file(o.model);
    if (!model) throw failure{model.error().message()};
    const table t = read_table(o.file, "", {});
    if (model->has_feature_names()) {
        if (auto bound = model->use_columns(t.columns); !bound)
            throw failure{fmt::format("{} on {}: {}", o.model, o.file, bound.error().message())};
    } else if (t.columns.size() == model->num_features()) {  // as XGBoost scores a model saved without names
        fmt::print(stderr, "pktdyn-gbdt: {} has no feature names: reading the {} feature columns of {} by position, in file order\n",
                   o.model, t.columns.size(), o.file);
    } else {
        throw failure{fmt::format("{} on {}: the model has no feature names, so its {} features are read by position, but the "
                                  "file has {} feature columns: expected {}, in the model's order",
                                  o.model, o.file, model->num_features(), t.columns.size(), model->num_features())};
    }
    const std::vector<double> p = probabilities(*model, t.values, t.columns.size());
    const bool classifier = model->transform() == pktdyn::output_transform::logistic ||
                            model->transform() == pktdyn::output_transform::softmax;
    // Columns per row as `probabilities` gives them: a logistic model's one output is two classes.
    // From the model, not from p.size() / rows: a file without rows still gets the whole header.
    const std::size_t k = model->num_outputs() == 1 && model->transform() == pktdyn::output_transform::logistic
                              ? 2 : model->num_outputs();

    std::vector<std::string> names;  // the class names saved with the model, else 0..K-1
    if (std::ifstream in(classes_file(o.model)); in)
        for (std::string line; std::getline(in, line);) names.push_back(line);
    if (names.size() != k) {
        names.clear();
        for (std::size_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
    }

    fmt::memory_buffer b;
    const auto out = std::back_inserter(b);
    if (!classifier) {
        if (k == 1) fmt::format_to(out, "prediction");
        for (std::size_t c = 0; k > 1 && c < k; ++c) fmt::format_to(out, "{}prediction_{}", c ? "," : "", c);
    } else {
        fmt::format_to(out, "predicted");
        for (const auto& n : names) fmt::format_to(out, ",p_{}", n);
    }
    b.push_back('\n');
    for (std::size_t r = 0; r < t.rows; ++r) {
        const double* row = p.data() + r * k;
        if (classifier)
            fmt::format_to(out, "{},", names[static_cast<std::size_t>(std::max_element(row, row + k) - row)]);
        for (std::size_t c = 0; c < k; ++c) fmt::format_to(out, "{}{}", c ? "," : "", row[c]);
        b.push_back('\n');
    }
    write_file(o.output, b);
    if (!o.output.empty()) fmt::print(stderr, "pktdyn-gbdt: {} rows scored into {}\n", t.rows, o.output);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const auto usage = [&](std::FILE* to) {
        fmt::print(to,
                   "usage: {0} [train] --label NAME [--ignore A,B,...] [--test-fraction F] [--seed N] [--rounds N] [--depth N]\n"
                   "           [--learning-rate E] [--threads N] [--held-out FILE.csv]\n"
                   "           [--save MODEL.json] FILE.csv|FILE.npy\n"
                   "       {0} score --model MODEL.json|LIGHTGBM.txt [--output FILE.csv] FILE.csv|FILE.npy\n"
                   "Ranges: --test-fraction 0 to below 1, --seed 0 to 2^64-1, --rounds 1 to {1}, --depth 1 to {2},\n"
                   "--learning-rate above 0 to 1, --threads 0 to {3} (0: every core).\n"
                   "FILE.npy: 2-D matrix (float64) with column names in FILE.columns.txt. Labels: integers 0..K-1 (class k is\n"
                   "label k) or any text; the distinct labels are numbered in sorted order, numerically when all are numbers.\n",
                   argv[0], max_rounds, max_depth, max_threads);
    };
    options opt;
    try {
        opt = parse(argc, argv);
    } catch (const usage_error& e) {
        fmt::print(stderr, "pktdyn-gbdt: {}\n", e.message);
        usage(stderr);
        return 2;
    }
    if (opt.help) {
        usage(stdout);
        return 0;
    }
    try {
        return opt.command == "score" ? score(opt) : train(opt);
    } catch (const failure& f) {
        fmt::print(stderr, "pktdyn-gbdt: {}\n", f.message);
        return 1;
    }
}

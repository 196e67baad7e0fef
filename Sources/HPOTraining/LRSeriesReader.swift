import Foundation

/// Reads an (lr, loss) series for `hpo lr-find --from FILE`, in any of three formats, told apart
/// line by line:
/// - JSON Lines of `{"lr": …, "loss": …}` objects (other fields ignored);
/// - CSV `lr,loss` (a header line of non-numbers is skipped);
/// - the JSON file `hpo lr-find --json` writes (its `series`);
/// - a results log: its `trial_report` lines whose `metrics` hold `lr` and `loss`, in step order,
///   for the trial `trial` or, when nil, the first trial that reports them.
/// Metric values may be numbers or the log's `"nan"`, `"inf"`, `"-inf"`. Blank lines are skipped.
package enum LRSeriesReader {
    package static func read(_ text: String, trial: Int? = nil) throws(LRFinderError) -> LRSeries {
        // The JSON `hpo lr-find --json` writes: one object with a "series" of points.
        if trial == nil, let saved = try? JSONDecoder().decode(SavedReport.self, from: Data(text.utf8)) {
            return LRSeries(learningRates: saved.series.map(\.lr.value), losses: saved.series.map(\.loss.value))
        }
        var plain: [(lr: Double, loss: Double)] = []
        var reports: [Int: [(step: Int, lr: Double, loss: Double)]] = [:]
        var reportOrder: [Int] = []
        var sawLog = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("{") {
                let kind = try decode(EventLine.self, line, line: number)
                if let event = kind.event {
                    sawLog = true
                    guard event == "trial_report" else { continue }
                    let report = try decode(ReportLine.self, line, line: number)
                    guard let lr = report.metrics["lr"], let loss = report.metrics["loss"] else { continue }
                    if reports[report.trial] == nil { reportOrder.append(report.trial) }
                    reports[report.trial, default: []].append((report.step, lr.value, loss.value))
                } else {
                    let point = try decode(PointLine.self, line, line: number)
                    plain.append((point.lr.value, point.loss.value))
                }
            } else {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard fields.count >= 2 else {
                    throw LRFinderError(
                        "line \(number): expected 'lr,loss' or a JSON object, found '\(line.prefix(60))'")
                }
                if plain.isEmpty, Double(fields[0]) == nil, Double(fields[1]) == nil { continue }  // header
                guard let lr = Double(fields[0]), let loss = Double(fields[1]) else {
                    throw LRFinderError("line \(number): expected two numbers 'lr,loss', found '\(line.prefix(60))'")
                }
                plain.append((lr, loss))
            }
        }
        if sawLog {
            let chosen = trial ?? reportOrder.first
            guard let chosen, let points = reports[chosen] else {
                throw LRFinderError(
                    trial.map { "the results log has no trial_report of trial \($0) with metrics lr and loss" }
                        ?? "the results log has no trial_report with metrics lr and loss")
            }
            let sorted = points.sorted { $0.step < $1.step }
            return LRSeries(learningRates: sorted.map(\.lr), losses: sorted.map(\.loss))
        }
        if trial != nil { throw LRFinderError("--trial applies to a results log only, and this file is not one") }
        guard !plain.isEmpty else { throw LRFinderError("no (lr, loss) points found") }
        return LRSeries(learningRates: plain.map(\.lr), losses: plain.map(\.loss))
    }

    private struct EventLine: Decodable {
        var event: String?
    }

    private struct ReportLine: Decodable {
        var trial: Int
        var step: Int
        var metrics: [String: LogNumber]
    }

    private struct SavedReport: Decodable {
        var series: [PointLine]
    }

    private struct PointLine: Decodable {
        var lr: LogNumber
        var loss: LogNumber
    }

    /// A number, or the results log's spelling of a non-finite one (`"nan"`, `"inf"`, `"-inf"`).
    private struct LogNumber: Decodable {
        var value: Double

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                value = number
                return
            }
            switch (try? container.decode(String.self))?.lowercased() {
            case "nan": value = .nan
            case "inf", "+inf", "infinity": value = .infinity
            case "-inf", "-infinity": value = -.infinity
            default: throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number")
            }
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ line: String, line number: Int) throws(LRFinderError)
        -> T
    {
        do {
            return try JSONDecoder().decode(type, from: Data(line.utf8))
        } catch let DecodingError.keyNotFound(key, context) {
            throw LRFinderError("line \(number): missing '\(path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw context.codingPath.isEmpty
                ? LRFinderError("line \(number): not a JSON object")
                : LRFinderError("line \(number): '\(path(context.codingPath))' must be a number")
        } catch {
            throw LRFinderError("line \(number): not a JSON object")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }
}

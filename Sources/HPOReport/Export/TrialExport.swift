import Foundation
import HPOCore

/// `hpo export`: the trial table as CSV (RFC 4180) or JSON Lines. Numbers are written in full
/// (round-tripping) precision for machines; non-finite ones as `nan`, `inf`, `-inf`.
package enum TrialExport {
    package enum Format: String, Sendable, CaseIterable {
        case csv, jsonl
    }

    package static func render(_ table: TrialTable, format: Format) -> String {
        switch format {
        case .csv: csv(table)
        case .jsonl: jsonLines(table)
        }
    }

    /// A header line, then one line per trial. Empty fields for values a trial does not have.
    package static func csv(_ table: TrialTable) -> String {
        var lines = [table.columns.map(csvField).joined(separator: ",")]
        for row in table.rows {
            var fields = [
                String(row.trial.rawValue), String(row.attempt), row.state.rawValue, row.objective.map(number) ?? "",
                row.durationSeconds.map(number) ?? "", row.worker?.rawValue ?? ""
            ]
            if table.hasFeasible { fields.append(row.feasible.map { String($0) } ?? "") }
            if table.hasFront { fields.append(row.onFront.map { String($0) } ?? "") }
            fields += table.parameterNames.map { row.params[$0].map(parameter) ?? "" }
            fields += table.metricNames.map { row.metrics[$0].map(number) ?? "" }
            fields.append(row.reason ?? "")
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object per trial: `trial`, `attempt`, `status`, `objective`, `duration_s`, `worker`,
    /// `params` (an object), `metrics` (an object), `reason`; keys sorted, absent values `null`.
    package static func jsonLines(_ table: TrialTable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var output = ""
        for row in table.rows {
            let row = JSONRow(row, feasible: table.hasFeasible, front: table.hasFront)
            guard let data = try? encoder.encode(row), let line = String(data: data, encoding: .utf8) else {
                continue
            }
            output += line + "\n"
        }
        return output
    }

    /// A field, quoted when it holds a comma, a quote, a line break or edge spaces; quotes doubled.
    package static func csvField(_ text: String) -> String {
        let needsQuotes =
            text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || text.hasPrefix(" ") || text.hasSuffix(" ")
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    static func parameter(_ value: ParameterValue) -> String {
        switch value {
        case .int(let x): String(x)
        case .double(let x): number(x)
        case .string(let x): x
        }
    }

    /// A row as JSON, with explicit nulls so every line has the same keys.
    private struct JSONRow: Encodable {
        var row: TrialTable.Row
        var feasible: Bool
        var front: Bool
        init(_ row: TrialTable.Row, feasible: Bool, front: Bool) {
            self.row = row
            self.feasible = feasible
            self.front = front
        }

        enum CodingKeys: String, CodingKey {
            case trial, attempt, status, objective, worker, params, metrics, reason, pareto
            case isFeasible = "feasible"
            case durationSeconds = "duration_s"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(row.trial, forKey: .trial)
            try container.encode(row.attempt, forKey: .attempt)
            try container.encode(row.state.rawValue, forKey: .status)
            try container.encode(row.objective, forKey: .objective)
            try container.encode(row.durationSeconds, forKey: .durationSeconds)
            try container.encode(row.worker, forKey: .worker)
            try container.encode(row.params, forKey: .params)
            try container.encode(row.metrics, forKey: .metrics)
            try container.encode(row.reason, forKey: .reason)
            if feasible { try container.encode(row.feasible, forKey: .isFeasible) }
            if front { try container.encode(row.onFront, forKey: .pareto) }
        }
    }
}

import Foundation

/// Foundation's JSON coders as the results log and the wire configure them (for what the
/// hand-written paths do not cover), and a short account of a decoding error for the warnings
/// and errors of both.
package enum JSONCoding {
    /// Sorted keys; metrics may be NaN or infinite (a diverged run) and JSON has no such numbers,
    /// so they are the strings "inf", "-inf" and "nan".
    package static func makeEncoder(escapingSlashes: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    package static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Which field and what went wrong, in the words the hand-written readers use too:
    /// `field "params.lr": expected Double`, `missing field "objective"`.
    package static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            (context.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".")
        }
        func field(_ context: DecodingError.Context) -> String {
            let path = path(context)
            return path.isEmpty ? "" : "field \"\(path)\": "
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \"\(path(context, key))\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(field(context))expected \(type)"
        case .dataCorrupted(let context): return "\(field(context))\(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

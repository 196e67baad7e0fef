import Foundation
import HPOCore

/// `warm_start:`: earlier studies' results logs for the model to start from (docs/study-file.md,
/// "Warm start"). Their contents are read by the coordinator (HPOCoordinator `WarmStart`).
extension StudyFile {
    static func readWarmStart(_ field: YAMLField, file: String, strategy: StrategyConfig) throws -> [WarmStartSource] {
        guard strategy.kind == .bayes else {
            throw field.keyError(
                "warm_start needs strategy bayes (grid and random search do not learn from results)")
        }
        let elements = try field.list()
        guard !elements.isEmpty else { throw field.expected("a non-empty list of results logs (.jsonl)") }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        return try elements.map { element in
            let path = try element.nonEmptyString()
            let resolved = path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardized.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue
            else {
                throw element.error(
                    "no such results log: \(resolved) (a relative path is taken from the study file's folder)")
            }
            return WarmStartSource(file: resolved)
        }
    }
}

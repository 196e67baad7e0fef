/// An earlier study's results log that Bayesian optimisation starts from (`warm_start:` in the
/// study file; docs/study-file.md, "Warm start"). Written into the results log's `study_started`
/// line with what was taken from it.
package struct WarmStartSource: Hashable, Sendable, Codable {
    /// The log's path (relative paths in the study file are taken from the study file's folder).
    package var file: String
    /// Completed trials taken as results (set when the coordinator reads the log).
    package var used: Int?
    /// Completed trials left out: outside this space, forbidden, or without the objective metric.
    package var dropped: Int?

    package init(file: String, used: Int? = nil, dropped: Int? = nil) {
        self.file = file
        self.used = used
        self.dropped = dropped
    }
}

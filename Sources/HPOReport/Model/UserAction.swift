import HPOCore
import HPOJournal

/// What a person asked of a study, as the coordinator journaled it before acting: an action
/// through the control address (`control_action`) or an enqueued configuration (`trial_enqueued`,
/// from the study file, `--enqueue` or the control address).
package struct UserAction: Hashable, Sendable {
    /// Log time (seconds since 1970).
    package var time: Double
    /// `stop_trial`, `stop_study`, `add_budget` or `enqueue`.
    package var action: String
    /// The action for people: `stop trial #19`, `add budget +10 (budget 40)`, `enqueue #2: lr=0.01, …`.
    package var description: String
    /// Who asked, as the client said (`hpo serve: page at 127.0.0.1:8080`), or the file and line.
    package var origin: String

    /// The action a record holds, if it is one.
    package init?(_ record: JournalRecord) {
        switch record.event {
        case .controlAction(let e):
            var what = e.action.split(separator: "_").joined(separator: " ")
            if let trial = e.trial { what += " \(trial)" }
            if let trials = e.trials { what += " +\(HumanFormat.count(trials))" }
            if let budget = e.budget { what += " (budget \(HumanFormat.count(budget)))" }
            self.init(time: record.time, action: e.action, description: what, origin: e.origin)
        case .trialEnqueued(let e):
            let params = e.params.sorted { $0.key < $1.key }.map { "\($0.key)=\(HumanFormat.parameter($0.value))" }
            self.init(
                time: record.time, action: "enqueue",
                description: "enqueue #\(e.enqueueID): " + params.joined(separator: ", "), origin: e.origin)
        default:
            return nil
        }
    }

    package init(time: Double, action: String, description: String, origin: String) {
        self.time = time
        self.action = action
        self.description = description
        self.origin = origin
    }
}

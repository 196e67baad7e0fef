import HPOCore
import HPOJournal
import HPOReport
import Testing

/// Users' actions in the log, as `hpo status` and the report read them.
@Suite struct ControlEventsReportTests {
    @Test("a budget raised through the control address is the study's budget in the summary")
    func raisedBudget() {
        let records: [JournalRecord] = [
            .studyStarted(StudyStarted(study: "s", config: KnownLog.config(trials: 6), software: "t", host: "h")),
            .controlAction(ControlActionTaken(action: "add_budget", origin: "ann", trials: 4, budget: 10)),
            .trialEnqueued(TrialEnqueued(enqueueID: 1, params: KnownLog.params[1] ?? [:], origin: "ann"))
        ].enumerated().map { JournalRecord(event: $0.element, time: 100 + Double($0.offset)) }
        let summary = StudySummary(records: records)
        #expect(summary.budget.trials == 10 && summary.plannedTrials == 10)
    }
}

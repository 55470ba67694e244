/// Why a submission or a reopen was refused, in words a department clerk can act on.
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The outcome classes of RULES.md §6 that refuse a message.
    public enum Status: String, Sendable, CaseIterable {
        /// Malformed, or outside the rules.
        case invalid
        /// The submitter may not submit this.
        case unauthorized
        /// Another submission with different content was already accepted for the key.
        case conflict
    }

    public let status: Status
    public let reason: String

    public init(_ status: Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public static func invalid(_ reason: String) -> Rejection { Rejection(.invalid, reason) }
    public static func unauthorized(_ reason: String) -> Rejection { Rejection(.unauthorized, reason) }

    public var description: String { "\(status.rawValue): \(reason)" }
}

/// The value a valid submission contributes, parsed once.
public enum SubmittedValue: Hashable, Sendable {
    /// A district or worker indicator's score.
    case score(ExactDecimal)
    /// A hotline month's rates, in the order of ``HotlineRules/metrics``.
    case rates([ExactDecimal])
}

extension Catalog {
    /// Checks 2–5 of RULES.md §6 in order (check 1, well-formedness, belongs to the decoder); the first that fails
    /// decides. Returns the parsed value of a valid submission.
    public func validate(_ submission: Submission, roster: Roster) -> Result<SubmittedValue, Rejection> {
        Result { () throws(Rejection) in
            guard !submission.id.isEmpty else {
                throw .invalid("submission_id is empty; give every submission a unique id")
            }
            let indicator = try checkCampaignAndKey(submission, roster: roster)
            guard indicator.submitter.admits(submission.submitter, district: submission.district) else {
                throw .unauthorized(unauthorizedReason(submission, indicator: indicator))
            }
            return try checkValue(submission, indicator: indicator)
        }
    }

    /// Checks 2–3 for a reopen, then that `requestedBy` is an operator and the reason is not blank.
    public func validate(_ reopen: Reopen, roster: Roster) -> Rejection? {
        let probe = Submission(
            id: "reopen", submitter: reopen.requestedBy, campaign: reopen.key.campaign,
            indicator: reopen.key.indicator, district: reopen.key.district, worker: reopen.key.worker,
            period: reopen.key.period)
        do {
            _ = try checkCampaignAndKey(probe, roster: roster)
        } catch {
            return error
        }
        guard isOperator(reopen.requestedBy) else {
            let names = operators.map(\.id).joined(separator: ", ")
            return .unauthorized("'\(reopen.requestedBy)' may not reopen; only an operator (\(names)) may")
        }
        guard !reopen.reason.isBlank else {
            return .invalid("a reopen needs a reason; say why the department must correct \(reopen.key)")
        }
        return nil
    }

    // MARK: Checks 2 and 3

    private func checkCampaignAndKey(_ submission: Submission, roster: Roster) throws(Rejection) -> Indicator {
        guard submission.campaign == campaign else {
            throw .invalid("campaign '\(submission.campaign)' is not this campaign; use '\(campaign)'")
        }
        guard let indicator = indicator(submission.indicator) else {
            if let meant = indicatorID(typed: submission.indicator) {
                throw .invalid("unknown indicator '\(submission.indicator)'; did you mean \(meant)?")
            }
            let known = indicators.map(\.id).joined(separator: ", ")
            throw .invalid("unknown indicator '\(submission.indicator)'; use one of: \(known)")
        }
        guard district(submission.district) != nil else {
            if let meant = districtID(typed: submission.district) {
                throw .invalid("unknown district '\(submission.district)'; did you mean \(meant)?")
            }
            let example = districts.first.map { " such as \($0.id)" } ?? ""
            throw .invalid("unknown district '\(submission.district)'; use a district id of the catalog\(example)")
        }
        if indicator.scope == .worker {
            guard !submission.worker.isEmpty else {
                throw .invalid("\(indicator.id) is scored per worker; give the worker id")
            }
            guard let worker = roster.worker(submission.worker) else {
                if let meant = roster.workerID(typed: submission.worker) {
                    throw .invalid("worker '\(submission.worker)' is not on the roster; did you mean \(meant)?")
                }
                throw .invalid("worker '\(submission.worker)' is not on the roster; check the worker id")
            }
            guard worker.district == submission.district else {
                throw .invalid(
                    "worker \(worker.id) belongs to district \(worker.district), not \(submission.district); "
                        + "use district \(worker.district)")
            }
        } else if !submission.worker.isEmpty {
            throw .invalid("\(indicator.id) is scored per district; leave worker empty")
        }
        if indicator.scope == .hotline {
            guard hotline.periods.contains(submission.period) else {
                if let meant = period(typed: submission.period) {
                    throw .invalid(
                        "period '\(submission.period)' is not written as a month (YYYY-MM); did you mean \(meant)?")
                }
                let range = [hotline.periods.first, hotline.periods.last].compactMap { $0 }.joined(separator: "…")
                throw .invalid("period '\(submission.period)' is not a month of this campaign; use \(range)")
            }
        } else if !submission.period.isEmpty {
            throw .invalid("\(indicator.id) has no period; leave period empty")
        }
        return indicator
    }

    // MARK: Check 4

    private func unauthorizedReason(_ submission: Submission, indicator: Indicator) -> String {
        let who = submission.submitter.isEmpty ? "an unnamed submitter" : "'\(submission.submitter)'"
        switch indicator.submitter {
        case .submitter(let owner):
            return "\(who) may not submit \(indicator.id); it is submitted by \(owner)"
        case .districtLeader:
            return "\(who) may not submit \(indicator.id) for district \(submission.district); "
                + "only its head \(SubmitterReference.leaderID(of: submission.district)) may"
        }
    }

    // MARK: Check 5

    private func checkValue(_ submission: Submission, indicator: Indicator) throws(Rejection) -> SubmittedValue {
        if indicator.scope == .hotline {
            return .rates(try hotlineRates(submission))
        }
        let value = try decimal(submission.score, field: "score", maximum: indicator.max)
        let evidence = indicator.evidence
        if let allowed = evidence.respondents, !allowed.contains(submission.respondents) {
            throw .invalid(
                "respondents is \(submission.respondents); the survey must reach "
                    + "\(allowed.lowerBound)–\(allowed.upperBound) households")
        }
        if let share = evidence.minimumKeyShare {
            guard submission.keyRespondents >= 0, submission.keyRespondents <= submission.respondents else {
                throw .invalid(
                    "key_respondents is \(submission.keyRespondents); it must be between 0 and respondents "
                        + "(\(submission.respondents))")
            }
            guard submission.keyRespondents * share.denominator >= submission.respondents * share.numerator else {
                throw .invalid(
                    "key_respondents is \(submission.keyRespondents) of \(submission.respondents); at least \(share) "
                        + "of the households surveyed must be from key groups")
            }
        }
        if let least = evidence.minimumParticipants, submission.participants < least {
            throw .invalid(
                "participants is \(submission.participants); the review needs at least \(least) participants")
        }
        if evidence.noteRequiredWhenPositive, value > .zero, submission.note.isBlank {
            throw .invalid("\(indicator.id) of \(value.plain) needs a reason in note; write why, or submit 0")
        }
        return .score(value)
    }

    private func hotlineRates(_ submission: Submission) throws(Rejection) -> [ExactDecimal] {
        var rates: [ExactDecimal] = []
        rates.reserveCapacity(hotline.metrics.count)
        for metric in hotline.metrics {
            guard let text = submission.hotline[metric.id], !text.isEmpty else {
                throw .invalid(
                    "hotline.\(metric.id) (\(metric.label)) is missing; give all \(hotline.metrics.count) rates")
            }
            rates.append(try decimal(text, field: "hotline.\(metric.id)", maximum: hotline.maximumRate))
        }
        return rates
    }

    /// `field` names the value in a refusal; it is made only for one (a hotline submission has one per metric).
    private func decimal(
        _ text: String, field: @autoclosure () -> String, maximum: ExactDecimal
    ) throws(Rejection) -> ExactDecimal {
        let value: ExactDecimal
        do {
            value = try ExactDecimal.parse(text)
        } catch {
            throw .invalid("\(field()): \(error)")
        }
        guard value <= maximum else {
            throw .invalid("\(field()) \(text) is out of range; it must be between 0 and \(maximum.plain)")
        }
        return value
    }
}

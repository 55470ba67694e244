extension Catalog {
    /// The built-in catalog: the 2023 (revised) method of Zhongshan sub-district, Songjiang, Shanghai, with the
    /// decisions of RULES.md. Every number of the method is here and nowhere else.
    public static let zhongshan2023: Catalog = {
        let survey = Evidence(respondents: 20...50, minimumKeyShare: Fraction(1, 3))
        let meeting = Evidence(minimumParticipants: 40)
        let reason = Evidence(noteRequiredWhenPositive: true)
        return Catalog(
            campaign: "zhongshan-2023",
            title: "2023年度中山街道居民区工作及社区工作者考评",
            districts: (1...22).map { number in
                let digits = number < 10 ? "0\(number)" : "\(number)"
                return District(id: "D\(digits)", name: "居民区\(digits)")
            },
            submitters: [
                NamedSubmitter(id: "survey_vendor", name: "第三方电话调查（综合考核组委托）"),
                NamedSubmitter(id: "city_ops", name: "街道城运中心"),
                NamedSubmitter(id: "assessment_team", name: "街道考核组"),
                NamedSubmitter(id: "party_office", name: "党建办"),
                NamedSubmitter(id: "self_governance_office", name: "自治办"),
                NamedSubmitter(id: "safety_office", name: "平安办"),
                NamedSubmitter(id: "assessment_office", name: "考核办"),
                NamedSubmitter(id: "discipline_commission", name: "纪委"),
            ],
            operators: [NamedSubmitter(id: "operator", name: "考核办（操作员）")],
            indicators: [
                Indicator(
                    id: "visits", label: "日常走访联系居民群众、重点群体情况", shortLabel: "走访", category: "群众评价",
                    scope: .district, max: ExactDecimal(15), submitter: .submitter("survey_vendor"), evidence: survey),
                Indicator(
                    id: "practical_matters", label: "为群众办实事、解决“急难愁盼”问题情况", shortLabel: "实事",
                    category: "群众评价", scope: .district, max: ExactDecimal(15),
                    submitter: .submitter("survey_vendor"), evidence: survey),
                Indicator(
                    id: "hotline", label: "12345 热线及信访、舆情工作情况", shortLabel: "热线", category: "群众评价",
                    scope: .hotline, max: ExactDecimal(10), submitter: .submitter("city_ops")),
                Indicator(
                    id: "member_evaluation", label: "党员群众测评", shortLabel: "测评", category: "群众评价",
                    scope: .district, max: ExactDecimal(20), submitter: .submitter("assessment_team"),
                    evidence: meeting),
                Indicator(
                    id: "party_building", label: "加强党建引领", shortLabel: "党建", category: "平时成绩",
                    scope: .district, max: ExactDecimal(15), submitter: .submitter("party_office")),
                Indicator(
                    id: "serving_masses", label: "服务凝聚群众", shortLabel: "服务", category: "平时成绩",
                    scope: .district, max: ExactDecimal(15), submitter: .submitter("self_governance_office")),
                Indicator(
                    id: "stability", label: "维护社会和谐稳定", shortLabel: "稳定", category: "平时成绩",
                    scope: .district, max: ExactDecimal(10), submitter: .submitter("safety_office")),
                Indicator(
                    id: "bonus", label: "加分项", shortLabel: "加分", category: "加分", scope: .district,
                    max: ExactDecimal(5), submitter: .submitter("assessment_office"), evidence: reason),
                Indicator(
                    id: "deduction", label: "减分项", shortLabel: "减分", category: "扣分", scope: .district,
                    max: ExactDecimal(5), submitter: .submitter("discipline_commission"), effect: .subtract,
                    evidence: reason),
                Indicator(
                    id: "worker_leader_review", label: "居民区正职评价", shortLabel: "正职评价", category: "社区工作者",
                    scope: .worker, max: ExactDecimal(100), submitter: .districtLeader,
                    weight: ExactDecimal(units: 2_000)),
                Indicator(
                    id: "worker_democratic_review", label: "居民民主评议测评", shortLabel: "民主评议",
                    category: "社区工作者", scope: .worker, max: ExactDecimal(100),
                    submitter: .submitter("assessment_team"), weight: ExactDecimal(units: 3_000), evidence: meeting),
            ],
            hotline: HotlineRules(
                periods: (1...12).map { month in "2023-" + (month < 10 ? "0\(month)" : "\(month)") },
                metrics: [
                    .init(id: "first_contact_rate", label: "先行联系率", target: ExactDecimal(85)),
                    .init(id: "on_time_rate", label: "按时办结率", target: ExactDecimal(95)),
                    .init(id: "resolution_rate", label: "诉求解决率", target: ExactDecimal(95)),
                    .init(id: "satisfaction_rate", label: "市民满意率", target: ExactDecimal(78)),
                ],
                bottomCount: 3,
                penaltyPerOccurrence: ExactDecimal(units: 1_000),
                maximumRate: ExactDecimal(100)),
            districtGrades: DistrictGradeRules(
                excellent: Quota(percent: ExactDecimal(20), rounding: .floor),
                ordinary: Quota(percent: ExactDecimal(20), rounding: .floor)),
            workerRules: WorkerRules(
                districtResultLabel: "居民区工作考核结果",
                districtResultWeight: ExactDecimal(units: 5_000),
                districtResultRange: ExactDecimal(0)...ExactDecimal(100),
                excellent: Quota(percent: ExactDecimal(15), rounding: .floor),
                excellentMinimum: ExactDecimal(60),
                qualifiedMinimum: ExactDecimal(60),
                basicallyQualifiedMinimum: ExactDecimal(50)),
            findingsForAny: ["assessment_office"]
        )
    }()
}

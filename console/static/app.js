/* gpumeter console (docs/console.md). Reads only the API's own JSON and
 * shows it: every amount is the API's decimal string, formatted for the
 * locale with Intl.NumberFormat's exact string formatting, never a float.
 * Text from the API is set with textContent only, never parsed as HTML.
 * Changes only through the API's audited writes, under CSRF protection:
 * every request that is not GET/HEAD carries the session's CSRF token
 * (kept in memory only, from sign-in or GET /v1/me) as X-CSRF-Token. */
"use strict";

/* ---- words, in both languages ---- */

const WORDS = {
  en: {
    signin: "Sign in", signout: "Sign out", key: "API key", keyHint: "A customer, finance or sales key from `gpumeter customer key create`. It is exchanged once for a session; the key itself is not kept in the browser.",
    badKey: "That key is not valid, or it was revoked.", ended: "Your session has ended. Sign in again.",
    customer: "Customer", finance: "Finance", sales: "Sales", period: "Month", load: "Show",
    estimate: "Charges for the month", mtd: "Month to date (estimate)", statementOf: "Statement", frozen: "As issued on invoice", due: "Due", subtotal: "Subtotal", tax: "Tax", total: "Total", claimed: "Paid by vouchers",
    lines: "Lines", line: "Line", quantity: "Quantity", unitPrice: "Unit price", amount: "Amount",
    gpuHours: "GPU hours by accelerator model", tokens: "Tokens by job", energy: "Energy (kWh)", noUsage: "No usage in this month.",
    balances: "Balances today", commitmentUse: "Commitment in the month shown", commitmentMet: "met, nothing short", makeup: "Make-up bank", commitment: "Commitment", vouchers: "Vouchers", voucher: "Voucher", program: "Program", faceValue: "Face value", paid: "Paid", remaining: "Remaining", none: "None", credited: "Credited by credit notes", balanceAfter: "Balance after credit notes",
    invoices: "Invoices and credit notes", number: "Number", kind: "Kind", status: "Status", pdf: "PDF", csv: "Download usage (CSV)",
    monthInvoices: "Drafts and issued invoices", totals: "Totals", count: "Count", line: "Line", line_draft: "Drafts (not issued)", line_issued: "Issued (incl. voided since)", line_credited: "Credit notes", line_net: "Net (invoices that stand, less partial credits)", notBilled: "Not billed by the invoice run", reason: "Reason", account: "Account", rows: "rows", events: "events", jobs: "Jobs", nothingNotBilled: "Everything was billed.",
    claims: "Voucher claims by program", claim: "claim (issued invoices)", "claimed from voucher programs": "Paid by vouchers", "due from customer": "Due from customer", yieldT: "What each GPU earned", capacityT: "Idle capacity by day (GPU hours)", contractsT: "Contract calendar", table: "Table (GPU hours)", day: "Day", model: "Model", revenue: "Revenue", margin: "Margin", utilisation: "Utilisation %", installed: "Installed", allocated: "Allocated", idleWhole: "Idle, whole nodes", idleStranded: "Idle, stranded", month: "Month", contracts: "Contracts", committed: "Committed", ending: "Ending",
    /* the fleet's health (issue 36) */
    fleet: "Fleet health", fleetCost: "What poor delivery cost", downCost: "Down time (revenue forgone, an estimate)", unpricedDown: "Down time without a rate", slaCredits: "SLA credits (issued invoices)", availabilityT: "Availability by model (up / metered)", available: "Available %", fleetDevices: "Devices not always up, most time down first", device: "Device", metered: "Metered (GPU-h)", degraded: "Degraded (GPU-h)", down: "Down (GPU-h)", incidents: "Incidents", perAlloc: "Revenue per allocated GPU-h", fleetReasons: "Reasons (a window with two reasons counts under each)", reasonCode: "Reason", state: "State", customerCaused: "Customer-caused", windows: "Windows", hoursH: "GPU-h", meaning: "Meaning", fleetCredits: "SLA credits by customer (a late adjustment counts in the month it corrects)", monthInvoice: "Month's invoice", late: "Late adjustments", credits: "Credits", allCustomersF: "All customers", gpuHoursAxis: "GPU-hours", percentAxis: "%", yes: "yes", no: "no", state_up: "up", state_degraded: "degraded", state_down: "down", devicesN: "Devices", noHealth: "No device was down or degraded in this month.", noAvailability: "No health was collected in this month.",
    plans: "Price plans and their versions", plan: "Plan", version: "Version", validFrom: "Valid from", document: "Document", editInPlans: "Edit, propose and approve on the Plans page",
    simulate: "Simulate a plan", proposed: "Proposed plan (JSON)", upload: "or upload a file", run: "Simulate", current: "Current", difference: "Difference", proposedCol: "Proposed",
    noAccess: "This key cannot see this view.", loading: "Loading…", draft: "draft", issued: "issued", void: "void", statement: "statement", invoice: "invoice", credit_note: "credit note",
    usageMonth: "Usage in the month", meter: "Meter", exact: "Exact (for programs)",
    audit: "Money audit trail of the month's invoices", at: "Time (UTC)", actor: "Actor", action: "Action", detail: "Detail", noAudit: "Nothing recorded yet for this month's invoices.",
    audit_issue: "issued", audit_void: "voided", audit_fapiao: "fapiao recorded", audit_correct: "fapiao record corrected", audit_credit: "credited",
    unapplied: "Payments not yet applied", bankRef: "Bank reference", booked: "Booked", payer: "Payer", remittance: "Remittance", noUnapplied: "Every payment received is applied.", applyHint: "Assign one with `gpumeter payment apply BANK_REF --customer CODE` (or `--invoice NUMBER`).",
    notifications: "Notifications not delivered (dead)", eventId: "Event id", eventType: "Event", subject: "About", attempts: "Attempts", lastAnswer: "Last answer", created: "Created (UTC)", noDead: "Every notification was delivered or is still being tried.", retryHint: "Send one again with `gpumeter notify retry EVENT_ID` once the endpoint answers.",
    /* receivables (issue 34): the statement's balances and the credit limit */
    depositHeld: "Deposit held", prepaidBalance: "Prepaid balance", creditLimit: "Credit limit", exposure: "exposure", used: "used", overLimit: "over the limit", noLimit: "no credit limit",
    agingT: "Receivables aging", asOf: "as of", currency: "Currency", ag_current: "Current", ag_1_30: "1-30 days", ag_31_60: "31-60 days", ag_61_90: "61-90 days", ag_over_90: "Over 90 days", openAmt: "Open", sales90: "Credit sales, 90 days", dso: "DSO (days)", allCustomers: "total", noAging: "Nothing is open.", defaultSince: "In default since",
    dueOn: "Due date", payState: "Payment", st_open: "open", st_partially_paid: "partially paid", st_paid: "paid", st_credited: "credited", st_written_off: "written off", st_void: "void", overdueDays: "overdue {n} d",
  },
  zh: {
    signin: "登录", signout: "退出", key: "API 密钥", keyHint: "由 `gpumeter customer key create` 生成的客户、财务或销售密钥。密钥只用于换取一次会话，浏览器不保存密钥本身。",
    badKey: "密钥无效或已被吊销。", ended: "会话已结束，请重新登录。",
    customer: "客户", finance: "财务", sales: "销售", period: "月份", load: "查看",
    estimate: "本月费用", mtd: "本月至今（预估）", statementOf: "对账单", frozen: "按已开具账单", due: "应付", subtotal: "小计", tax: "税额", total: "合计", claimed: "算力券抵扣",
    lines: "明细", line: "项目", quantity: "数量", unitPrice: "单价", amount: "金额",
    gpuHours: "按加速卡型号的 GPU 时长", tokens: "按任务的 Token 数", energy: "电量（千瓦时）", noUsage: "本月没有用量。",
    balances: "当前余额", commitmentUse: "所选月份的承诺使用", commitmentMet: "已达承诺，无差额", makeup: "补足额度", commitment: "承诺消费", vouchers: "算力券", voucher: "算力券", program: "项目", faceValue: "面值", paid: "已抵扣", remaining: "余额", none: "无", credited: "已冲减", balanceAfter: "冲减后余额",
    invoices: "发票与红字通知单", number: "编号", kind: "类型", status: "状态", pdf: "PDF", csv: "下载用量（CSV）",
    monthInvoices: "草稿与已开发票", totals: "合计", count: "张数", line: "项目", line_draft: "草稿（未开具）", line_issued: "已开具（含其后作废）", line_credited: "红字冲销", line_net: "净额（有效发票减部分红冲）", notBilled: "开票时未计费的项目", reason: "原因", account: "账户", rows: "行数", events: "事件数", jobs: "任务", nothingNotBilled: "全部已计费。",
    claims: "按项目的算力券申领", claim: "申领额（已开发票）", "claimed from voucher programs": "算力券抵扣", "due from customer": "客户应付", yieldT: "每块 GPU 的收益", capacityT: "按日的闲置算力（GPU 时）", contractsT: "合同日历", table: "明细表（GPU 时）", day: "日期", model: "型号", revenue: "收入", margin: "毛利", utilisation: "利用率 %", installed: "在架", allocated: "已分配", idleWhole: "整机闲置", idleStranded: "碎片闲置", month: "月份", contracts: "合同数", committed: "承诺", ending: "到期",
    /* 集群健康（issue 36） */
    fleet: "集群健康", fleetCost: "交付不达标的代价", downCost: "宕机时间（放弃的收入，估算）", unpricedDown: "无单价的宕机时间", slaCredits: "SLA 赔付（已开发票）", availabilityT: "按型号的可用率（正常 / 计量）", available: "可用率 %", fleetDevices: "未始终正常的设备（按宕机时间排序）", device: "设备", metered: "计量（GPU 时）", degraded: "降级（GPU 时）", down: "宕机（GPU 时）", incidents: "故障次数", perAlloc: "每已分配 GPU 时收入", fleetReasons: "原因（一个窗口有两个原因时各计一次）", reasonCode: "原因", state: "状态", customerCaused: "客户导致", windows: "窗口数", hoursH: "GPU 时", meaning: "含义", fleetCredits: "按客户的 SLA 赔付（迟到的调整计入其更正的月份）", monthInvoice: "当月发票", late: "迟到调整", credits: "赔付", allCustomersF: "全部客户", gpuHoursAxis: "GPU 时", percentAxis: "%", yes: "是", no: "否", state_up: "正常", state_degraded: "降级", state_down: "宕机", devicesN: "设备数", noHealth: "本月没有设备宕机或降级。", noAvailability: "本月未采集健康数据。",
    plans: "价格方案及其版本", plan: "方案", version: "版本", validFrom: "生效日", document: "内容", editInPlans: "在“方案”页编辑、提交和审批",
    simulate: "方案模拟", proposed: "拟议方案（JSON）", upload: "或上传文件", run: "模拟", current: "现行", difference: "差额", proposedCol: "拟议",
    noAccess: "此密钥无权查看该页面。", loading: "加载中…", draft: "草稿", issued: "已开具", void: "已作废", statement: "对账单", invoice: "发票", credit_note: "红字通知单",
    usageMonth: "本月用量", meter: "计量项", exact: "精确值（供程序使用）",
    audit: "本月发票的资金审计记录", at: "时间（UTC）", actor: "操作人", action: "操作", detail: "详情", noAudit: "本月发票尚无记录。",
    audit_issue: "开具", audit_void: "作废", audit_fapiao: "登记数电发票", audit_correct: "更正发票登记", audit_credit: "部分红冲",
    unapplied: "待认领的来款", bankRef: "银行流水号", booked: "入账日", payer: "付款人", remittance: "附言", noUnapplied: "所有来款均已核销。", applyHint: "用 `gpumeter payment apply 银行流水号 --customer 客户代码`（或 `--invoice 发票号`）认领。",
    notifications: "未送达的通知（已放弃）", eventId: "事件编号", eventType: "事件", subject: "对象", attempts: "尝试次数", lastAnswer: "最后应答", created: "产生时间（UTC）", noDead: "所有通知均已送达或仍在重试。", retryHint: "接收端恢复后，用 `gpumeter notify retry 事件编号` 重新发送。",
    /* 应收（issue 34）：对账单的余额与信用额度 */
    depositHeld: "保证金余额", prepaidBalance: "预付余额", creditLimit: "信用额度", exposure: "信用占用", used: "已用", overLimit: "已超出额度", noLimit: "未设信用额度",
    agingT: "应收账龄", asOf: "截至", currency: "币种", ag_current: "未到期", ag_1_30: "逾期 1-30 天", ag_31_60: "逾期 31-60 天", ag_61_90: "逾期 61-90 天", ag_over_90: "逾期 90 天以上", openAmt: "未收", sales90: "近 90 天赊销额", dso: "DSO（天）", allCustomers: "合计", noAging: "没有未收款项。", defaultSince: "违约起始日",
    dueOn: "到期日", payState: "收款", st_open: "未付", st_partially_paid: "部分付款", st_paid: "已付清", st_credited: "已红冲", st_written_off: "已核销", st_void: "已作废", overdueDays: "逾期 {n} 天",
  },
};

/* issue 34, termination and default: the contract calendar's revenue at
 * risk (docs/operator.md), in its own block */
Object.assign(WORDS.en, { atRisk: "At risk (customers in default)" });
Object.assign(WORDS.zh, { atRisk: "风险收入（违约客户的剩余承诺）" });

/* issue 37, the investor's month of a project and its debt schedule
 * (docs/investor.md): a figure the report gains and these words do not
 * name yet shows under its own name (figureName) */
Object.assign(WORDS.en, {
  investor: "Investor", investorMonth: "The investor's month", project: "Project", figure: "Figure", value: "Value",
  versionOf: "version of {d}", moneyIn: "money in {c}", noneV: "none", noProjects: "No project yet (gpumeter project apply).",
  notInEffect: "The project has no version in effect in this month.", debtSchedule: "Debt schedule", noDebt: "No debt on the month's last day.",
  fig_revenue_billed: "Revenue billed", fig_cash_collected: "Cash collected", fig_energy_cost: "Energy cost", fig_fixed_costs: "Fixed costs",
  fig_operating_cost: "Operating cost", fig_cfads: "Cash flow available for debt service (CFADS)", fig_debt_service: "Debt service",
  fig_dscr: "Debt service coverage ratio (DSCR)", fig_utilisation_percent: "Utilisation",
  fig_purchase_cost: "Purchase cost of the fleets", fig_first_month: "First month", fig_cfads_to_date: "CFADS to date",
  fig_backlog: "Contracted backlog", fig_backlog_in_default: "Backlog of customers in default (left out)",
  fig_backlog_last_month: "Backlog's last month", fig_discount_rate_percent: "Discount rate",
  fig_npv_to_date: "NPV to date", fig_npv_with_backlog: "NPV with the backlog", fig_irr_to_date_percent: "IRR to date",
  fig_irr_with_backlog_percent: "IRR with the backlog", fig_payback_to_date: "Paid back (to date)",
  fig_payback_with_backlog: "Payback projected from the backlog",
  sch_period: "Period", sch_from: "From", sch_due: "Due", sch_opening: "Opening balance", sch_drawn: "Drawn", sch_interest: "Interest",
  sch_principal: "Principal", sch_payment: "Payment", sch_closing: "Closing balance",
});
Object.assign(WORDS.zh, {
  investor: "投资人", investorMonth: "项目月报（投资人视角）", project: "项目", figure: "指标", value: "数值",
  versionOf: "{d} 生效的版本", moneyIn: "金额单位 {c}", noneV: "无", noProjects: "尚无项目（gpumeter project apply）。",
  notInEffect: "该项目在本月没有生效的版本。", debtSchedule: "还款计划", noDebt: "本月最后一天该项目没有债务。",
  fig_revenue_billed: "已开票收入", fig_cash_collected: "已收现金", fig_energy_cost: "电费", fig_fixed_costs: "固定成本",
  fig_operating_cost: "运营成本", fig_cfads: "可用于偿债的现金流（CFADS）", fig_debt_service: "应还本息",
  fig_dscr: "偿债覆盖率（DSCR）", fig_utilisation_percent: "利用率",
  fig_purchase_cost: "机队购置成本", fig_first_month: "首月", fig_cfads_to_date: "累计 CFADS",
  fig_backlog: "合同储备（剩余承诺）", fig_backlog_in_default: "违约客户的承诺（未计入）",
  fig_backlog_last_month: "储备最后月份", fig_discount_rate_percent: "折现率",
  fig_npv_to_date: "至今净现值（NPV）", fig_npv_with_backlog: "含储备的净现值", fig_irr_to_date_percent: "至今内部收益率（IRR）",
  fig_irr_with_backlog_percent: "含储备的内部收益率", fig_payback_to_date: "已回本月份",
  fig_payback_with_backlog: "按储备预计的回本月份",
  sch_period: "期次", sch_from: "起始日", sch_due: "到期日", sch_opening: "期初余额", sch_drawn: "提款", sch_interest: "利息",
  sch_principal: "本金", sch_payment: "还款额", sch_closing: "期末余额",
});

/* issue 37, the investor's charts: the backlog curve of a project and the
 * realised compute price index by model over the months (docs/console.md) */
Object.assign(WORDS.en, {
  backlogCurve: "Contracted backlog by month", backlogCounted: "Backlog (counted)", backlogInDefault: "Customers in default (left out)",
  noBacklog: "No contract of the project commits anything after this month.", inDefaultCol: "In default",
  index: "Price index", indexT: "Realised price by model", indexRows: "The index, month by month", indexRevisions: "Published revisions",
  from: "From", to: "To", series: "Series", basis: "Basis", series_gpu_hours: "GPU-hours", series_tokens: "Training tokens",
  series_commitments: "Take-or-pay commitments", basis_gross: "Gross", basis_net: "Net of vouchers and subsidies",
  perGpuHour: "{c} per GPU-hour", perMTokens: "{c} per million tokens", key_gpu_hours: "Model", key_tokens: "Token class", key_commitments: "Key",
  qty_gpu_hours: "GPU-hours", qty_tokens: "Million tokens", qty_commitments: "GPU-hours used", price: "Price",
  insufficient: "insufficient", final: "final", provisional: "provisional", revision: "Revision", publishedAt: "Published (UTC)",
  indexLegend: "A gap: no value published (fewer contracts than the minimum, or no sale); ◆ a provisional month.",
  noIndexValue: "No month of this range has a value to draw: every one is withheld (fewer contracts than the minimum); the table below says so.",
  minContracts: "published with at least {n} contracts", noIndex: "No invoice that stands in these months.", noRevisions: "No month of this range was published (gpumeter index publish).",
});
Object.assign(WORDS.zh, {
  backlogCurve: "按月的合同储备", backlogCounted: "储备（计入）", backlogInDefault: "违约客户（未计入）",
  noBacklog: "本月之后该项目没有任何合同承诺。", inDefaultCol: "违约部分",
  index: "价格指数", indexT: "按型号的实际成交价", indexRows: "逐月指数", indexRevisions: "已发布的修订",
  from: "起始月", to: "截止月", series: "系列", basis: "口径", series_gpu_hours: "GPU 时", series_tokens: "训练 Token",
  series_commitments: "包销承诺", basis_gross: "总额", basis_net: "扣除算力券与补贴",
  perGpuHour: "{c} / GPU 时", perMTokens: "{c} / 百万 Token", key_gpu_hours: "型号", key_tokens: "Token 档位", key_commitments: "键",
  qty_gpu_hours: "GPU 时", qty_tokens: "百万 Token", qty_commitments: "已用 GPU 时", price: "价格",
  insufficient: "样本不足", final: "终值", provisional: "暂定", revision: "修订号", publishedAt: "发布时间（UTC）",
  indexLegend: "断开处：未发布数值（合同数少于下限，或无成交）；◆ 暂定月份。",
  noIndexValue: "此范围内没有可绘制的月份：均因合同数少于下限而未发布，详见下表。",
  minContracts: "至少 {n} 份合同时才发布", noIndex: "这些月份没有有效发票。", noRevisions: "此范围内没有已发布的月份（gpumeter index publish）。",
});

/* issue 39, every label translated: what the API writes in English inside
 * its Chinese text (a token bracket's "any size", a time-of-use band's
 * name, a base unit) and the health reasons' meanings (core/health_reasons.c
 * writes them in English), in Chinese. A band a plan names otherwise, a
 * reason this table does not know, keep the API's own words. */
Object.assign(WORDS.zh, {
  "term_any size": "不限参数规模", term_flat: "平段", term_peak: "峰段", term_night: "夜间", "term_off-peak": "谷段", term_offpeak: "谷段",
  term_valley: "谷段", term_day: "日间", term_shoulder: "平段", unit_token: "Token",
  "hr_xid:8": "GPU 停止处理（空闲超时）：运行中的任务丢失，需重新运行",
  "hr_xid:13": "图形引擎异常：NVIDIA 认定由应用程序引起（如越界访问）",
  "hr_xid:31": "GPU 显存缺页错误：应用程序访问了不属于它的内存",
  "hr_xid:32": "推送缓冲流无效或损坏：运行中的任务丢失，需重新运行",
  "hr_xid:43": "应用程序自身出错后 GPU 停止处理其通道；GPU 仍然正常",
  "hr_xid:45": "应用程序结束或先前出错后，预先清理其通道",
  "hr_xid:46": "GPU 超时：GPU 不再响应驱动，需要重置",
  "hr_xid:48": "GPU 显存双比特（不可纠正）ECC 错误，GPU 需要重置",
  "hr_xid:62": "GPU 内部微控制器停机，GPU 需要重置",
  "hr_xid:63": "一个显存页或行已标记为在下次重置时退役或重映射；任务继续运行",
  "hr_xid:64": "显存页退役或行重映射失败，GPU 需要重置",
  "hr_xid:68": "应用程序任务中的视频解码器异常",
  "hr_xid:69": "图形引擎类错误：运行中的任务丢失，需重新运行",
  "hr_xid:74": "NVLink 错误：NVIDIA 定为致命错误，GPU 需要重置",
  "hr_xid:79": "GPU 已从总线上掉线：在机器重启前无法访问",
  "hr_xid:92": "可纠正的单比特 ECC 错误频率过高；任务继续运行",
  "hr_xid:94": "已隔离的 ECC 错误：受影响的应用程序已停止，GPU 可接受新任务",
  "hr_xid:95": "未能隔离的 ECC 错误，GPU 需要重置",
  "hr_xid:109": "上下文切换超时，GPU 需要重置",
  "hr_xid:119": "GSP 固件不再响应驱动，GPU 需要重置",
  "hr_xid:120": "GSP 固件错误，GPU 需要重置",
  "hr_xid:136": "NVLink 链路训练失败，GPU 需要重置",
  "hr_xid:140": "不可纠正的 ECC 错误未能被隔离，GPU 需要重置",
  "hr_xid:143": "GPU 初始化失败，GPU 需要重置",
  hr_ecc_dbe: "自上次重置以来出现不可纠正（双比特）ECC 错误，GPU 需要重置",
  hr_row_remap_failure: "显存行无法重映射（按 NVIDIA 的 RMA 政策认定），需现场诊断",
  hr_row_remap_pending: "行重映射等待下次 GPU 重置；运行中和新的任务不受影响",
  hr_nvlink_down: "一条 NVLink 断开：GPU 可单卡运行任务，跨卡任务失去该链路",
  hr_nvlink_errors: "NVLink 重放或恢复错误（DCGM 的 NVLINK_ERROR_CRITICAL）：跨卡任务变慢或丢失，GPU 可单卡运行任务",
  hr_scrape_failed: "节点的 exporter 未响应：没有任何数据表明设备已交付",
  hr_device_gone: "exporter 有响应，但已不再列出该设备",
  "hr_npu_health:-1": "npu-exporter 无法读取芯片的健康状态（其驱动接口失败）",
  "hr_npu_health:0": "npu-exporter 报告芯片不健康",
  "hr_npu_health:1": "npu-exporter 报告芯片健康",
  "hr_mlu_health:0": "mlu-exporter 报告板卡异常（cndev 健康标志为 0）",
  "hr_mlu_health:1": "mlu-exporter 报告板卡健康",
  hr_dcu_ue: "DCU 上不可纠正的 RAS 错误增加；海光未公布相应处置",
  "hr_npu_fault:NotHandleFault": "不影响任务的芯片故障；无需处置",
  "hr_npu_fault:SubHealthFault": "芯片亚健康：任务可按自身策略迁出",
  "hr_npu_fault:PreSeparateNPU": "芯片继续运行当前任务，但不再接受新任务（预隔离）",
  "hr_npu_fault:RestartRequest": "芯片故障导致运行中的请求丢失；需重新执行该请求",
  "hr_npu_fault:RestartBusiness": "芯片故障导致运行中的作业丢失；需重新运行该作业",
  "hr_npu_fault:FreeRestartNPU": "芯片故障影响任务；芯片空闲后需要重置",
  "hr_npu_fault:RestartNPU": "芯片故障影响任务；芯片需要立即重置",
  "hr_npu_fault:SeparateNPU": "芯片故障无法恢复；芯片已被隔离",
});
/* A line's description as the API writes it, in the page's language: in
 * Chinese, each " · " part that is a known term (a token bracket, a band,
 * the band with its multiplier "peak x1.5") in Chinese; the rest (models,
 * sites, codes) as written. */
function described(l) {
  if (lang !== "zh") return l.description_en;
  return (l.description_zh || "").split(" · ").map((part) => {
    const [word, ...rest] = part.split(" x");
    const whole = Object.hasOwn(WORDS.zh, `term_${part}`) ? t(`term_${part}`) : null;
    if (whole) return whole;
    return Object.hasOwn(WORDS.zh, `term_${word}`) ? [t(`term_${word}`), ...rest].join(" x") : part;
  }).join(" · ");
}
/* A token class or other key of the API in the page's language (index rows). */
const termName = (k) => (lang === "zh" && Object.hasOwn(WORDS.zh, `term_${k}`) ? t(`term_${k}`) : k);
/* A health reason's meaning: Chinese from the table above, else the API's. */
const reasonMeaning = (r) => (lang === "zh" && Object.hasOwn(WORDS.zh, `hr_${r.reason}`) ? t(`hr_${r.reason}`) : r.meaning);

let lang = localStorage.getItem("gm_lang") || (navigator.language.startsWith("zh") ? "zh" : "en");
const t = (k) => (Object.hasOwn(WORDS[lang], k) ? WORDS[lang][k] : k);
const locale = () => (lang === "zh" ? "zh-CN" : "en-GB");

/* ---- formatting: exact decimal strings, per locale ---- */

function money(amount, currency) {
  if (amount === undefined || amount === null) return "";
  const digits = (String(amount).split(".")[1] || "").length;
  return new Intl.NumberFormat(locale(), {
    style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(String(amount)); /* a string is formatted exactly (Intl.NumberFormat v3) */
}
/* A unit price (the API's six-decimal string) to the precision the plan
 * states it, as the PDF prints it (render_unit_price): trailing zeros off,
 * but never fewer decimals than the currency's: "9.500000" is "9.50". */
function unitPrice(price, currency) {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  const [whole, frac = ""] = String(price).split(".");
  let keep = frac.replace(/0+$/, "");
  if (keep.length < digits) keep = frac.slice(0, digits).padEnd(digits, "0");
  return keep ? `${whole}.${keep}` : whole;
}
/* Minor units (an integer, as the API sends them) as money: the decimal
 * point placed by string, with the currency's ISO digits. */
function minorMoney(minor, currency) {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  const neg = String(minor).startsWith("-");
  const d = String(minor).replace("-", "").padStart(digits + 1, "0");
  const text = digits ? `${d.slice(0, -digits)}.${d.slice(-digits)}` : d;
  return money(`${neg ? "-" : ""}${text}`, currency);
}
function num(v, digits) {
  const o = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(locale(), o).format(String(v));
}
/* A decimal string with every digit it has (a quantity's six decimals). */
function exact(v) {
  return num(v, (String(v).split(".")[1] || "").length);
}
function monthName(period) {
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}
function dayName(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { month: "short", day: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}
function dateName(date) {
  const [y, m, d] = date.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}
function thisMonth() {
  return new Date().toISOString().slice(0, 7);
}
function lastDay(period) {
  const [y, m] = period.split("-").map(Number);
  return `${period}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}

/* ---- the page, built with textContent only ---- */

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== undefined && k !== null) e.append(k.nodeType ? k : String(k));
  return e;
}
const main = () => document.getElementById("main");
function show(...kids) {
  disposeCharts();
  main().replaceChildren(...kids);
}
function card(title, ...kids) {
  return el("section", { class: "card" }, title ? el("h2", {}, title) : null, ...kids);
}
function table(heads, rows, opts) {
  const o = opts || {};
  return el("div", { class: "scroll" }, el("table", { "data-table": o.name },
    el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", { class: o.num && o.num.includes(i) ? "num" : null }, h)))),
    el("tbody", {}, rows)));
}
function td(v, attrs) {
  return el("td", attrs || {}, v);
}
function pill(status) {
  return el("span", { class: `pill ${status}` }, t(status));
}

/* ---- the API ---- */

class SignedOut extends Error {}

/* The headers of a request of init: its own, plus X-CSRF-Token on a write. */
function withCsrf(init) {
  const out = Object.assign({ credentials: "same-origin" }, init || {});
  out.headers = Object.assign({ Accept: "application/json" }, out.headers || {});
  const method = (out.method || "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD" && me && me.csrf) out.headers["X-CSRF-Token"] = me.csrf;
  return out;
}

async function api(path, init) {
  const res = await fetch(path, withCsrf(init));
  if (res.status === 401) throw new SignedOut();
  const body = await res.text();
  let json = null;
  /* An integer past 2^53 (minor units of a very large amount) would lose
   * digits as a Number: it is kept as its source text, exactly. */
  const exact = (k, v, ctx) => (typeof v === "number" && !Number.isSafeInteger(v) && ctx && /^-?[0-9]+$/.test(ctx.source) ? ctx.source : v);
  try { json = JSON.parse(body, exact); } catch (e) { /* CSV and PDF are not JSON */ }
  if (!res.ok) throw new Error(json && json.error ? `${res.status} ${json.error.code}: ${json.error.message}` : `${res.status}`);
  return json === null ? body : json;
}

/* Every page of /v1/usage for a month (page_size 1000, the API's most). */
async function usageRows(customer, period, groupBy) {
  const rows = [];
  for (let page = 1; ; page++) {
    const q = new URLSearchParams({ customer, from: `${period}-01`, to: lastDay(period), group_by: groupBy, page, page_size: 1000 });
    const r = await api(`/v1/usage?${q}`);
    rows.push(...r.rows);
    if (rows.length >= r.total_rows || r.rows.length === 0) return rows;
  }
}

async function usageCsv(customer, period) {
  let out = "";
  for (let page = 1; ; page++) {
    const q = new URLSearchParams({ customer, from: `${period}-01`, to: lastDay(period), group_by: "day,job,model", format: "csv", page, page_size: 1000 });
    const text = await api(`/v1/usage?${q}`);
    const lines = text.split("\n").filter((l) => l);
    out += (page === 1 ? lines : lines.slice(1)).map((l) => `${l}\n`).join("");
    if (lines.length - 1 < 1000) break;
  }
  const a = el("a", { href: URL.createObjectURL(new Blob([out], { type: "text/csv" })), download: `usage-${customer}-${period}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
}

/* ---- charts (ECharts) ---- */

let charts = [];
function disposeCharts() {
  charts.forEach((c) => c.dispose());
  charts = [];
}
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

/* What every chart shares (issue 39, docs/console.md "Charts"): a value
 * axis named with its unit in the reader's language, a legend that fits in
 * two lines at the chart's width (the top series by total, the rest summed
 * as one "other" series: no paging, no name cut), and a tooltip that names
 * every series in full, the ones "other" gathers too, as text. */
Object.assign(WORDS.en, { otherSeries: "Other ({n})" });
Object.assign(WORDS.zh, { otherSeries: "其他（{n} 项）" });

/* Every day of the month period (YYYY-MM), YYYY-MM-DD: a month's chart has
 * each day on its axis, a day without usage among them. */
function daysOf(period) {
  const last = Number(lastDay(period).slice(8));
  return Array.from({ length: last }, (_, i) => `${period}-${String(i + 1).padStart(2, "0")}`);
}

/* How wide a legend item is drawn: ECharts' 25 px symbol, its 5 px gap to
 * the name, the name at 12 px, and 10 px to the next item. */
let legendPen = null;
function legendItemWidth(name) {
  legendPen = legendPen || document.createElement("canvas").getContext("2d");
  legendPen.font = "12px sans-serif";
  return 25 + 5 + Math.ceil(legendPen.measureText(name).width) + 10;
}
/* How many lines names take in a legend width wide, each on the line it
 * starts when it fits there. */
function legendLines(names, width) {
  let lines = 1, x = 0;
  for (const n of names) {
    const w = legendItemWidth(n);
    if (x && x + w > width) { lines++; x = 0; }
    x += w;
  }
  return lines;
}
/* The series a chart draws: all of them, as given, when their legend fits
 * in two lines of width; else the top N by total (largest first, ties by
 * name) that fit beside one "other" series (gathering two or more), kept
 * in the order given, then "other", whose value at each point is the sum of the rest's, added
 * largest total first (a drawn value, never money text: the tables beside
 * the charts keep the API's exact figures). The "other" series carries
 * what it gathers (others) for the tooltip. Only for values that add up
 * (usage, hours, money): a chart of prices or percentages passes all. */
function topSeries(series, width) {
  if (series.length < 3 || legendLines(series.map((s) => s.name), width) <= 2) return series;
  const total = (s) => s.data.reduce((a, v) => a + (v === null ? 0 : Number(v)), 0);
  const byTotal = series.map((s) => [s, total(s)]).sort((a, b) => b[1] - a[1] || (a[0].name < b[0].name ? -1 : a[0].name > b[0].name ? 1 : 0)).map(([s]) => s);
  const otherName = (k) => fill("otherSeries", { n: series.length - k });
  let n = series.length - 2; /* "Other" gathers two at least: one would only rename it */
  while (n > 1 && legendLines([...byTotal.slice(0, n).map((s) => s.name), otherName(n)], width) > 2) n--;
  const top = new Set(byTotal.slice(0, n)), rest = byTotal.slice(n);
  const other = { name: otherName(n), stack: rest[0].stack, others: rest,
    data: rest[0].data.map((_, i) => rest.reduce((a, s) => a + (s.data[i] === null ? 0 : Number(s.data[i])), 0)) };
  return [...series.filter((s) => top.has(s)), other];
}
/* The axis tooltip: the point's label, then each series with a value there
 * (a stacked bar's zero parts left out), and under "other" each series it
 * gathers; every name escaped (a job's name may be markup). */
function chartTooltip(drawn, valueText) {
  const esc = (x) => echarts.format.encodeHTML(String(x));
  return (ps) => {
    const list = Array.isArray(ps) ? ps : [ps];
    const line = (marker, name, v) => `<div>${marker}${esc(name)}: <b>${esc(valueText(v))}</b></div>`;
    const shown = (v) => v !== null && v !== undefined && !Number.isNaN(v) && (list.length === 1 || v !== 0);
    const rows = list.flatMap((p) => {
      const v = p.value !== null && typeof p.value === "object" ? p.value.value : p.value;
      if (!shown(v)) return [];
      const s = drawn[p.seriesIndex];
      const parts = s && s.others ? s.others.filter((o) => shown(Number(o.data[p.dataIndex]))).map((o) =>
        `<div style="padding-left:18px">${esc(o.name)}: ${esc(valueText(Number(o.data[p.dataIndex])))}</div>`) : [];
      return [line(p.marker, p.seriesName, v), ...parts];
    });
    return `<div>${esc(list[0].axisValueLabel ?? list[0].name)}</div>${rows.join("")}`;
  };
}
const chartNumber = (v) => new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(v);
/* Draws bars (stacked where a series names its stack) or lines over a
 * category axis: series [{ name, data, stack? }], unit the value axis's
 * name. A legend of its top series (topSeries; every line of a line chart,
 * whose values do not add up) when there is more than one series or legend
 * is set; the grid leaves room for the legend's lines and the unit above
 * the axis. opts: line, legend, note (a line of text under the chart),
 * yAxis (more of the value axis), valueText (a value in the tooltip). */
function drawChart(div, labels, series, unit, o) {
  const opts = o || {};
  if (!window.echarts || !div.isConnected) return;
  const c = echarts.init(div, null, { renderer: "canvas" });
  const drawn = opts.line ? series : topSeries(series, Math.max(120, div.clientWidth - 20));
  const legend = drawn.length > 1 || opts.legend;
  const lines = legend ? legendLines(drawn.map((s) => s.name), Math.max(120, div.clientWidth - 20)) : 0;
  const valueText = opts.valueText || chartNumber;
  c.setOption({
    animation: false,
    tooltip: { trigger: "axis", formatter: chartTooltip(drawn, valueText) },
    legend: legend ? { type: "plain", top: 0, left: 10, right: 10, tooltip: { show: true } } : { show: false },
    /* a line chart's first and last labels sit on the edges (no boundary gap): room for them */
    grid: { left: opts.line ? 28 : 8, right: opts.line ? 40 : 16, top: lines * 22 + 30, bottom: opts.note ? 24 : 8, containLabel: true },
    xAxis: { type: "category", data: labels, boundaryGap: opts.line ? false : true },
    yAxis: Object.assign({ type: "value", name: unit, nameTextStyle: { align: "left" } }, opts.yAxis || {}),
    graphic: opts.note ? [{ type: "text", left: 8, bottom: 0, style: { text: opts.note, fill: "#666", font: "12px sans-serif" } }] : [],
    series: drawn.map((s) => Object.assign(opts.line
      ? { name: s.name, type: "line", connectNulls: false, symbolSize: 7, data: s.data }
      : { name: s.name, type: "bar", stack: s.stack, data: s.data }, s.extra || {})),
  });
  charts.push(c);
}

/* A stacked bar chart of value by day per series, over every day of the
 * month period: a day without a row is drawn as 0 (no usage that day; the
 * zero is the absence of an API row, never an amount computed here). */
function dayChart(name, period, rows, seriesOf, valueOf, unit) {
  const div = el("div", { class: "chart", "data-chart": name });
  if (!rows.length) return el("p", { class: "muted", "data-empty": name }, t("noUsage"));
  const days = daysOf(period);
  const names = [...new Set(rows.map(seriesOf))].sort();
  const data = new Map(names.map((n) => [n, new Map()]));
  for (const r of rows) {
    const m = data.get(seriesOf(r));
    m.set(r.time.slice(0, 10), (m.get(r.time.slice(0, 10)) || 0) + valueOf(r));
  }
  const series = names.map((n) => ({ name: n || "-", stack: "all", data: days.map((d) => data.get(n).get(d) || 0) }));
  requestAnimationFrame(() => drawChart(div, days.map(dayName), series, unit));
  return div;
}

/* ---- sign in ---- */

let me = null;

function signinView(message) {
  me = null;
  renderNav();
  const input = el("input", { type: "password", id: "key", autocomplete: "off", spellcheck: "false", placeholder: "gmk_…" });
  const err = el("p", { class: "error", id: "signin-error" }, message || "");
  const form = el("form", { class: "card signin", id: "signin" },
    el("h1", {}, t("signin")), el("label", { for: "key" }, t("key")), input,
    el("button", { class: "primary", type: "submit" }, t("signin")),
    el("p", { class: "sub" }, t("keyHint")), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const res = await fetch("/v1/session", { method: "POST", credentials: "same-origin", headers: { Authorization: `Bearer ${input.value.trim()}` } });
    input.value = "";
    if (!res.ok) {
      err.textContent = res.status === 401 ? t("badKey") : `${res.status}`;
      return;
    }
    me = await res.json();
    /* one route: a new hash routes by its hashchange; calling route() too
     * drew the home view twice, and the slower draw could replace a view
     * opened meanwhile */
    if (location.hash === home()) route();
    else location.hash = home();
  });
  show(form);
}

/* Pages the other files add (operator.js, keys.js, plans.js), each with
 * the roles that see it: registerView(name, roles, draw). They load after
 * this file (defer), before the first route() (DOMContentLoaded). */
const VIEWS = {};
function registerView(name, roles, draw) {
  VIEWS[name] = { roles, draw };
}

function home() {
  const own = { finance: "finance", sales: "sales", customer: "customer" }[me.role];
  return `#/${own || views()[0]}`; /* a role of a later file: its first page */
}
function views() {
  const own = me.role === "finance" ? ["customer", "finance", "fleet", "investor", "index", "sales"] : me.role === "sales" ? ["sales"] : me.role === "customer" ? ["customer"] : [];
  return [...new Set([...own, ...Object.keys(VIEWS).filter((v) => VIEWS[v].roles.includes(me.role))])];
}

function renderNav() {
  const nav = document.getElementById("nav");
  const [view] = parseHash();
  nav.replaceChildren(...(me ? views().map((v) => el("a", { href: `#/${v}`, class: v === view ? "active" : null, "data-view": v }, t(v))) : []));
  const out = document.getElementById("signout");
  out.hidden = !me;
  out.textContent = t("signout");
  document.getElementById("lang").textContent = lang === "zh" ? "EN" : "中文";
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return [path || "", new URLSearchParams(query || "")];
}
function go(view, params) {
  location.hash = `#/${view}?${new URLSearchParams(params)}`;
}

/* The month and, for finance and sales keys, the customer a view is about. */
async function toolbar(view, params, withCustomer) {
  const period = el("input", { type: "month", id: "period", value: params.get("period") || thisMonth() });
  const kids = [el("label", {}, t("period"), period)];
  let pick = null;
  if (withCustomer && me.role !== "customer") {
    const list = await api("/v1/customers");
    pick = el("select", { id: "customer" }, list.customers.map((c) => el("option", { value: c.code, selected: c.code === params.get("customer") }, `${c.code} · ${c.name}`)));
    kids.unshift(el("label", {}, t("customer"), pick));
  }
  const bar = el("form", { class: "toolbar" }, kids, el("button", { class: "primary", type: "submit" }, t("load")));
  bar.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = { period: period.value };
    if (pick) p.customer = pick.value;
    go(view, p);
  });
  return { bar, period: period.value, customer: pick ? pick.value : me.customer };
}

/* ---- the customer's view ---- */

/* The meters, as the API's registry gives them (GET /v1/meters, read once
 * after sign-in): code -> { doc, readable, label_zh, label_en, name_zh,
 * name_en, ... } in the registry's order. The page has no words of its own
 * for a meter, so a meter added to core/meter.h shows with its own names. */
let meters = null;
const meterName = (m) => (lang === "zh" ? m.name_zh : m.name_en);
const meterLabel = (m) => (lang === "zh" ? m.label_zh : m.label_en);
/* A line's unit in the reader's language; a meter the registry does not
 * name (none today) shows its price unit as the API gives it. */
/* GPU-hours as the registry labels them (卡时 in Chinese): every chart's
 * axis of GPU-hours, usage or not, says it the one way. */
const gpuHoursUnit = () => (meters.has("gpu_ms") ? meterLabel(meters.get("gpu_ms")) : t("gpuHoursAxis"));
const unitName = (l) => (meters.has(l.meter) ? meterLabel(meters.get(l.meter)) : l.price_unit);

function statementCard(title, s) {
  const c = s.currency;
  const rows = s.lines.map((l) => el("tr", {},
    td([described(l), indexUseNote(l, c)]),
    td(l.kind === "usage" && l.price_unit_quantity ? `${exact(l.price_unit_quantity)} ${unitName(l)}` : "", { class: "num", "data-field": "quantity" }),
    /* the rate the PDF and the fapiao print (quantity x rate = amount), not the plan's price */
    /* its unit in the reader's language, as the quantity's; English keeps the
     * price unit's singular ("/ GPU-hour"), as the PDF prints it */
    td(l.rate ? `${money(unitPrice(l.rate, c), c)} / ${lang === "zh" ? unitName(l) : l.price_unit}` : "", { class: "num", "data-field": "unit-price" }),
    td(money(l.amount, c), { class: "num", "data-minor": l.amount_minor })));
  const sum = (k, label, cls) => el("tr", { class: cls }, td(label), td(""), td(""), td(money(s[k], c), { class: "num", "data-minor": s[`${k}_minor`], "data-field": k }));
  rows.push(sum("subtotal", t("subtotal")), sum("tax", `${t("tax")} ${s.tax_rate}`), sum("total", t("total"), "total"));
  if (s.claimed_minor) rows.push(sum("claimed", t("claimed")));
  rows.push(sum("due", t("due"), "total"));
  /* an issued invoice with credit notes against it: what they took, what stands */
  if (s.credited_minor) rows.push(sum("credited", `${t("credited")}${s.credit_notes ? ` (${s.credit_notes})` : ""}`, "credit"), sum("remaining", t("balanceAfter"), "total"));
  /* a statement: the receivables ledger's balances today (docs/receivables.md#statements) */
  if (s.deposit_held_minor !== undefined) rows.push(sum("deposit_held", t("depositHeld"), "balance"), sum("prepaid_balance", t("prepaidBalance"), "balance"));
  /* the whole width: quantities carry six decimals beside their unit */
  return el("section", { class: "card wide" }, el("h2", {}, title),
    el("div", { class: "figure", "data-figure": "due", "data-minor": s.due_minor }, money(s.due, c)),
    el("p", { class: "sub" }, `${s.customer_name || s.customer} · ${s.contract || ""} · ${t("plan")} ${s.plan || ""} · ${monthName(s.period)}`),
    /* an issued month is its invoice, frozen: say so */
    s.issued ? el("p", { class: "pill", "data-source": "issued" }, `${t("frozen")} ${s.number}`) : null,
    table([t("line"), t("quantity"), t("unitPrice"), t("amount")], rows, { name: "statement", num: [1, 2, 3] }));
}

/* ---- a line priced or settled at the price index (issue 37) ---- */

Object.assign(WORDS.en, {
  idxNote: "Index {model} of {month}: {value} per GPU-hour (revision {rev}, published {date})",
  idxSpread: "spread {v}", idxFloor: "floor {v}", idxCap: "cap {v}",
});
Object.assign(WORDS.zh, {
  idxNote: "算力价格指数 {model}（{month}）：{value} / GPU 时（第 {rev} 版，发布于 {date}）",
  idxSpread: "价差 {v}", idxFloor: "下限 {v}", idxCap: "上限 {v}",
});
const fill = (k, o) => t(k).replace(/\{(\w+)\}/g, (_, n) => o[n]);
/* Under the description of a line the API gives an `index` object (a price
 * at the index, or a fixed-for-floating settlement): the value used with
 * every digit it has, its month, revision and publication date (UTC, as
 * the PDF prints it), and a price's terms. Nothing for any other line. */
function indexUseNote(l, c) {
  const x = l.index;
  if (!x) return null;
  const terms = x.lag_months === undefined ? [] : [
    fill("idxSpread", { v: `${x.spread.startsWith("-") ? "" : "+"}${money(unitPrice(x.spread, c), c)}` }),
    x.floor === null ? null : fill("idxFloor", { v: money(unitPrice(x.floor, c), c) }),
    x.cap === null ? null : fill("idxCap", { v: money(unitPrice(x.cap, c), c) })].filter(Boolean);
  const note = fill("idxNote", { model: l.model, month: monthName(x.month.slice(0, 7)), value: money(x.value, c),
    rev: x.revision, date: dateName(x.published_at.slice(0, 10)) });
  return el("div", { class: "sub", "data-index-month": x.month.slice(0, 7), "data-index-value": x.value, "data-published-at": x.published_at },
    terms.length ? `${note}${lang === "zh" ? "；" : "; "}${terms.join(lang === "zh" ? "，" : ", ")}` : note);
}

/* The month's usage, one row per meter in the registry's order: the meter's
 * name, its quantity in the unit people read (the API's exact six-decimal
 * string in the meter's readable field, docs/api.md#units) and the exact
 * integer the API also gives. */
function usageCard(rows) {
  const known = [...meters.entries()].flatMap(([code, m]) => rows.filter((r) => r.meter === code).map((r) => [r, m]));
  return card(t("usageMonth"), known.length
    ? table([t("meter"), t("quantity"), t("exact")], known.map(([r, m]) => el("tr", { "data-usage": r.meter },
      td(meterName(m)),
      td(`${exact(r[m.readable])} ${meterLabel(m)}`, { class: "num", "data-exact": r[m.readable] }),
      td(`${num(r.quantity)} ${lang === "zh" && Object.hasOwn(WORDS.zh, `unit_${r.unit}`) ? t(`unit_${r.unit}`) : r.unit}`, { class: "num" }))), { name: "usage", num: [1, 2] })
    : el("p", { class: "muted" }, t("noUsage")));
}

async function customerView(params) {
  const { bar, period, customer } = await toolbar("customer", params, true);
  if (!customer) return show(bar);
  const q = (o) => new URLSearchParams(Object.assign({ customer }, o));
  const [statement, current, invoices, gpu, tok, energy, month, credit] = await Promise.all([
    api(`/v1/statement?${q({ period })}`).catch((e) => e),
    api(`/v1/usage/current?${q({})}`).catch((e) => e),
    api(`/v1/invoices?${q({ page_size: 1000 })}`),
    usageRows(customer, period, "day,model").then((r) => r.filter((x) => x.meter === "gpu_ms")),
    usageRows(customer, period, "day,job").then((r) => r.filter((x) => x.meter === "tokens")),
    usageRows(customer, period, "day").then((r) => r.filter((x) => x.meter === "energy_mj")),
    usageRows(customer, period, "month"),
    api(`/v1/credit?${q({})}`).catch((e) => e),
  ]);
  if (statement instanceof SignedOut || current instanceof SignedOut) throw new SignedOut();
  const grid = el("div", { class: "grid" });
  grid.append(statement instanceof Error
    ? card(t("estimate"), el("p", { class: "error" }, statement.message))
    : statementCard(period === thisMonth() ? t("mtd") : `${t("statementOf")} · ${monthName(period)}`, statement));
  if (!(current instanceof Error)) {
    const c = current.month_to_date.currency;
    const vrows = current.vouchers.map((v) => el("tr", { "data-voucher": v.voucher }, td(v.voucher), td(v.program), td(money(v.face_value, c), { class: "num" }),
      td(minorMoney(v.paid_minor, c), { class: "num", "data-minor": v.paid_minor }), td(minorMoney(v.remaining_minor, c), { class: "num", "data-minor": v.remaining_minor, "data-field": "remaining" })));
    const k = current.commitment;
    const commitment = !k ? t("none")
      : [k.amount ? money(k.amount, c) : `${num(k.gpu_hours)} ${meterLabel(meters.get("gpu_ms"))}`,
        k.meters ? k.meters.map((m) => (meters.has(m) ? meterName(meters.get(m)) : m)).join(lang === "zh" ? "、" : ", ") : null,
        k.makeup_periods !== undefined ? `${t("makeup")} ${k.makeup_periods}` : null].filter(Boolean).join(" · ");
    grid.append(card(t("balances"),
      el("p", {}, `${t("makeup")}: `, el("strong", { "data-minor": current.makeup_bank_minor, "data-field": "makeup" }, money(current.makeup_bank, c))),
      el("p", {}, `${t("commitment")}: `, el("span", { "data-field": "commitment" }, commitment)),
      /* its use this month: the statement's own take-or-pay lines */
      k && !(statement instanceof Error)
        ? el("p", { "data-field": "commitment-use" }, `${t("commitmentUse")}: `,
          ...(() => {
            const used = statement.lines.filter((l) => ["shortfall", "carry_forward", "makeup_draw"].includes(l.kind));
            return used.length ? used.map((l) => el("span", { class: "pill" }, `${described(l)} ${money(l.amount, statement.currency)}`)) : [t("commitmentMet")];
          })())
        : null,
      el("p", {}, `${t("mtd")}: `, el("strong", { "data-minor": current.month_to_date.due_minor, "data-field": "mtd" }, money(current.month_to_date.due, c))),
      /* the credit limit: the exposure the API computed, and whether it is over */
      credit instanceof Error ? null : el("p", { "data-field": "credit" }, `${t("creditLimit")}: `,
        ...(credit.limit_minor === null ? [t("noLimit")]
          : [`${minorMoney(credit.limit_minor, credit.currency)} · ${t("exposure")} `,
            el("strong", { "data-minor": credit.exposure_minor, "data-field": "exposure" }, minorMoney(credit.exposure_minor, credit.currency)),
            ` (${credit.used_percent}% ${t("used")}) `,
            credit.over_limit ? el("span", { class: "pill", "data-field": "over-limit" }, t("overLimit")) : null])),
      vrows.length ? table([t("voucher"), t("program"), t("faceValue"), t("paid"), t("remaining")], vrows, { name: "vouchers", num: [2, 3, 4] }) : el("p", { class: "muted" }, `${t("vouchers")}: ${t("none")}`)));
  }
  grid.append(usageCard(month));
  const availability = await api(`/v1/availability?${q({ period })}`).catch((e) => e);
  if (availability instanceof SignedOut) throw availability;
  grid.append(availabilityCard(availability));
  /* charts draw numbers; the exact decimals are in the usage card above */
  /* each on every day of the month, in the unit the registry names */
  const unitOf = (code) => (meters.has(code) ? meterLabel(meters.get(code)) : code);
  grid.append(card(t("gpuHours"), dayChart("gpu", period, gpu, (r) => r.model, (r) => Number(r.gpu_hours), gpuHoursUnit())));
  grid.append(card(t("tokens"), dayChart("tokens", period, tok, (r) => r.job, (r) => Number(r.million_tokens), unitOf("tokens"))));
  grid.append(card(t("energy"), dayChart("energy", period, energy, () => meterName(meters.get("energy_mj")), (r) => Number(r.kwh), unitOf("energy_mj"))));
  const irows = invoices.invoices.slice().reverse().map((i) => el("tr", { "data-invoice": i.number }, td(i.number), td(t(i.kind)), td(monthName(i.period)), td(pill(i.status)),
    td(money(i.total, i.currency), { class: "num", "data-minor": i.total_minor }),
    td(i.credited_minor ? money(i.credited, i.currency) : "", { class: "num", "data-field": "credited", "data-minor": i.credited_minor }),
    td(i.credited_minor ? money(i.remaining, i.currency) : "", { class: "num", "data-field": "remaining", "data-minor": i.remaining_minor }),
    td(i.due_on ? dateName(i.due_on) : "", { "data-field": "due-on", "data-date": i.due_on || null }), td(payState(i), { "data-field": "state" }),
    td(el("a", { href: `/v1/invoices/${encodeURIComponent(i.number)}?format=pdf`, target: "_blank", rel: "noopener" }, t("pdf")))));
  const csv = el("button", { class: "primary", type: "button", id: "csv" }, t("csv"));
  csv.addEventListener("click", () => usageCsv(customer, period).catch(fail));
  grid.append(el("section", { class: "card wide" }, el("h2", {}, t("invoices")),
    table([t("number"), t("kind"), t("period"), t("status"), t("total"), t("credited"), t("balanceAfter"), t("dueOn"), t("payState"), t("pdf")], irows, { name: "invoices", num: [4, 5, 6] }), el("p", {}, csv)));
  show(el("h1", {}, `${t("customer")} · ${customer}`), bar, grid);
}

/* ---- a customer's availability under its SLA (issue 36) ---- */

Object.assign(WORDS.en, {
  slaT: "Availability under the SLA", slaNone: "The contract in effect in this month promises no availability (no SLA).",
  slaTarget: "target", slaByDay: "Availability by day (%)", availability: "Availability", notUp: "Time not up (local times)",
  device: "Device", start: "Start", end: "End", state: "State", reasons: "Reasons", excluded: "Excluded from downtime",
  ex_maintenance: "yes: announced maintenance", ex_customer_caused: "yes: customer-caused", ex_no: "no: downtime",
  hs_down: "down", hs_degraded: "degraded", allUp: "Every reserved device was up.",
  slaRule: "Availability = (metered − downtime) ÷ metered, rounded down; ",
  slaEx_both: "announced maintenance and customer-caused time count as delivered.",
  slaEx_maintenance: "announced maintenance counts as delivered; customer-caused time is downtime.",
  slaEx_customer_caused: "customer-caused time counts as delivered; maintenance is downtime.",
  slaEx_none: "this contract excludes nothing: all time not up is downtime.",
});
Object.assign(WORDS.zh, {
  slaT: "SLA 服务可用性", slaNone: "本月生效的合同未约定可用性（无 SLA）。",
  slaTarget: "目标", slaByDay: "每日可用性（%）", availability: "可用性", notUp: "不可用时段（当地时间）",
  device: "设备", start: "开始", end: "结束", state: "状态", reasons: "原因", excluded: "是否排除",
  ex_maintenance: "排除：已公告维护", ex_customer_caused: "排除：客户原因", ex_no: "不排除：计入停机",
  hs_down: "宕机", hs_degraded: "降级", allUp: "所有预留设备均可用。",
  slaRule: "可用性 = (计量时长 − 停机时长) ÷ 计量时长，向下取整；",
  slaEx_both: "已公告的维护与客户原因造成的时间视为已交付。",
  slaEx_maintenance: "已公告的维护视为已交付；客户原因造成的时间计入停机。",
  slaEx_customer_caused: "客户原因造成的时间视为已交付；维护计入停机。",
  slaEx_none: "本合同不排除任何时间：不可用的时间均计入停机。",
});

/* The month's availability by day as bars in percent, the SLA's target as
 * a line: the API's exact percent strings, drawn as numbers (the table
 * beside it carries them exactly). */
function availabilityChart(period, days, target) {
  const div = el("div", { class: "chart", "data-chart": "availability" });
  /* every day of the month on the axis; a day the API gives no figure for
   * is a gap (null), not 0% */
  const byDay = new Map(days.map((d) => [d.day, d.availability_percent === null ? null : Number(d.availability_percent)]));
  const data = daysOf(period).map((d) => (byDay.has(d) ? byDay.get(d) : null));
  const series = [{ name: t("availability"), data, extra: {
    markLine: { symbol: "none", label: { position: "insideEndTop", formatter: `${t("slaTarget")} ${target}%` }, data: [{ yAxis: Number(target) }] } } }];
  requestAnimationFrame(() => drawChart(div, daysOf(period).map(dayName), series, "%",
    { yAxis: { max: 100, axisLabel: { formatter: "{value}%" } }, valueText: (v) => `${v}%` }));
  return div;
}

/* What the contract's terms count as delivered (its "excludes"), so the
 * rule the card states is the one its figures were computed by. */
function slaExcluded(excludes) {
  const m = (excludes || []).includes("maintenance"), c = (excludes || []).includes("customer_caused");
  return m && c ? "both" : m ? "maintenance" : c ? "customer_caused" : "none";
}

/* GET /v1/availability: the month's figure against the target, the chart,
 * the days, and the windows not up with why each is or is not excluded. */
function availabilityCard(a) {
  if (a instanceof Error) {
    return el("section", { class: "card wide", "data-card": "availability" }, el("h2", {}, t("slaT")),
      /^404 /.test(a.message) ? el("p", { class: "muted", "data-empty": "availability" }, t("slaNone")) : el("p", { class: "error" }, a.message));
  }
  const pct = (v) => (v === null ? "-" : `${v}%`);
  const days = a.days.map((d) => el("tr", { "data-day": d.day }, td(dateName(d.day)), td(pct(d.availability_percent), { class: "num", "data-exact": d.availability_percent })));
  const windows = a.windows.map((w) => el("tr", { "data-window": `${w.device} ${w.start}` },
    td(w.device), td(w.start.replace("T", " ")), td(w.end.replace("T", " ")), td(t(`hs_${w.state}`)), td(w.reasons.join(" ")), td(t(`ex_${w.excluded}`))));
  return el("section", { class: "card wide", "data-card": "availability" }, el("h2", {}, `${t("slaT")} · ${monthName(a.period)}`),
    el("div", { class: "figure", "data-figure": "availability" }, pct(a.total.availability_percent)),
    el("p", { class: "sub" }, `${t("slaTarget")} ${a.terms.target}% · ${a.contract} · ${a.time_zone}`),
    el("p", { class: "sub", "data-rule": "availability" }, t("slaRule") + t(`slaEx_${slaExcluded(a.terms.excludes)}`)),
    el("h3", {}, t("slaByDay")),
    a.days.length ? availabilityChart(a.period, a.days, a.terms.target) : el("p", { class: "muted" }, t("noUsage")),
    a.days.length ? table([t("day"), t("availability")], days, { name: "availability-days", num: [1] }) : null,
    el("h3", {}, t("notUp")),
    windows.length ? table([t("device"), t("start"), t("end"), t("state"), t("reasons"), t("excluded")], windows, { name: "availability-windows" })
      : el("p", { class: "muted" }, t("allUp")));
}

/* ---- the finance view ---- */

/* One audit row's detail, whatever its action: what it recorded (after),
 * and for a correction what it was before. Text only (textContent). */
const MONEY_KEYS = /^(subtotal|tax|total|remaining|due|claimed|credited|amount)$|_minor$/;
function auditDetail(row) {
  /* the money a row holds is in minor units (issue: total; credit: subtotal,
   * tax, total, remaining before and after): shown as money in the row's
   * currency (the invoice's, which the API gives beside the row) */
  const currency = row.currency || (row.after && row.after.currency);
  const value = (o, k, v) => (MONEY_KEYS.test(k) && Number.isInteger(v) && currency ? minorMoney(v, currency)
    : k === "status" && Object.hasOwn(WORDS[lang], v) ? t(v) : typeof v === "object" ? JSON.stringify(v) : v);
  /* a key in the page's language (ak_ words); a note, reason or actor is
   * someone's own text: marked translate="no" */
  const key = (k) => (Object.hasOwn(WORDS[lang], `ak_${k}`) ? t(`ak_${k}`) : k);
  const free = (k) => ["note", "reason", "actor"].includes(k);
  const pairs = (o) => Object.entries(o || {}).flatMap(([k, v], i) => [i ? ", " : "", `${key(k)}: `,
    free(k) ? el("span", { translate: "no" }, String(value(o, k, v))) : String(value(o, k, v))]);
  return row.before ? [...pairs(row.before), " → ", ...pairs(row.after)] : pairs(row.after);
}
Object.assign(WORDS.zh, { ak_subtotal: "小计", ak_tax: "税额", ak_total: "合计", ak_remaining: "余额", ak_due: "应付", ak_claimed: "算力券抵扣",
  ak_credited: "已冲减", ak_amount: "金额", ak_period: "月份", ak_status: "状态", ak_currency: "币种", ak_code: "原因代码", ak_reason: "原因",
  ak_note: "备注", ak_number: "编号", ak_fapiao_number: "数电发票号码", ak_fapiao_date: "开票日期", ak_credit_note: "红字通知单", ak_kind: "类型", ak_customer: "客户", ak_invoice: "发票" });
function auditCard(audit) {
  const rows = audit.rows.map((a) => el("tr", { "data-audit": `${a.invoice} ${a.action}` },
    td(a.at.replace("T", " ").replace("Z", "")), td(a.actor, { translate: "no" }), td(a.invoice), td(a.customer),
    td(t(`audit_${a.action}`) === `audit_${a.action}` ? a.action : t(`audit_${a.action}`)), td(auditDetail(a))));
  return el("section", { class: "card wide" }, el("h2", {}, `${t("audit")} · ${monthName(audit.period)}`),
    rows.length ? table([t("at"), t("actor"), t("number"), t("customer"), t("action"), t("detail")], rows, { name: "audit" })
      : el("p", { class: "muted", "data-empty": "audit" }, t("noAudit")));
}

/* Dead notifications (docs/notifications.md): what no webhook delivered,
 * for finance to send again from the CLI once the endpoint answers. */
/* Bank credits no customer was found for (GET /v1/payments?status=unapplied):
 * the payer and remittance are the bank's text, shown as text. */
function unappliedCard(list) {
  const rows = list.payments.map((p) => el("tr", { "data-payment": p.bank_ref },
    td(p.bank_ref), td(p.booked_on), td(money(p.amount, p.currency), { class: "num", "data-minor": p.amount_minor }),
    td(p.payer || "-", { translate: "no" }), td(p.remittance, { translate: "no" })));
  return el("section", { class: "card wide" }, el("h2", {}, t("unapplied")),
    rows.length ? table([t("bankRef"), t("booked"), t("amount"), t("payer"), t("remittance")], rows, { name: "unapplied", num: [2] })
      : el("p", { class: "muted", "data-empty": "unapplied" }, t("noUnapplied")),
    el("p", { class: "muted" }, t("applyHint")));
}
function notificationsCard(list) {
  const rows = list.notifications.map((n) => el("tr", { "data-notification": n.id },
    td(n.id), td(n.type), td(n.subject), td(n.customer || "-"), td(n.attempts, { class: "num" }),
    td(n.last_status !== null ? String(n.last_status) : n.last_error || "-"), td((n.created || "").replace("T", " ").replace("Z", ""))));
  return el("section", { class: "card wide" }, el("h2", {}, t("notifications")),
    rows.length ? table([t("eventId"), t("eventType"), t("subject"), t("customer"), t("attempts"), t("lastAnswer"), t("created")], rows, { name: "notifications", num: [4] })
      : el("p", { class: "muted", "data-empty": "notifications" }, t("noDead")),
    el("p", { class: "muted" }, t("retryHint")));
}

async function financeView(params) {
  if (me.role !== "finance") return show(el("p", { class: "error" }, t("noAccess")));
  const { bar, period } = await toolbar("finance", params, false);
  const [month, claims, audit, yld, cap, cal, aging] = await Promise.all([
    api(`/v1/finance/month?period=${period}`),
    api(`/v1/finance/vouchers?period=${period}`),
    api(`/v1/finance/audit?period=${period}`),
    api(`/v1/operator/yield?period=${period}`).catch((e) => e),
    api(`/v1/operator/capacity?from=${period}-01&to=${lastDay(period)}&by=day`).catch((e) => e),
    api(`/v1/operator/contracts?from=${period}`).catch((e) => e),
    api("/v1/receivables").catch((e) => e), /* today: what is owed now, whatever month is shown */
  ]);
  const grid = el("div", { class: "grid" });
  const inv = month.invoices.map((i) => el("tr", { "data-invoice": i.number, "data-customer": i.customer },
    td(i.customer), td(i.customer_name), td(i.number || "-"), td(t(i.kind)), td(pill(i.status)),
    td(money(i.subtotal, i.currency), { class: "num" }), td(money(i.tax, i.currency), { class: "num" }),
    td(money(i.total, i.currency), { class: "num", "data-minor": i.total_minor }), td(money(i.due, i.currency), { class: "num" })));
  grid.append(el("section", { class: "card wide" }, el("h2", {}, `${t("monthInvoices")} · ${monthName(period)}`),
    table([t("customer"), "", t("number"), t("kind"), t("status"), t("subtotal"), t("tax"), t("total"), t("due")], inv, { name: "month", num: [5, 6, 7, 8] }),
    el("h2", {}, t("totals")),
    table([t("line"), t("count"), t("total")], month.totals.map((x) => el("tr", { "data-total": `${x.line} ${x.currency}` }, td(t(`line_${x.line}`)), td(x.count, { class: "num" }), td(money(x.total, x.currency), { class: "num", "data-minor": x.total_minor }))), { name: "totals", num: [1, 2] })));
  const nb = month.not_billed;
  const nbRows = [
    ...nb.problems.map((p) => el("tr", {}, td(p.customer), td(p.reason))),
    ...nb.uncovered.map((u) => el("tr", {}, td(u.account), td(`${num(u.rows)} ${t("rows")} · ${t("jobs")}: ${u.jobs}`))),
    ...nb.parked.map((p) => el("tr", {}, td(p.account), td(`${num(p.events)} ${t("events")}`))),
  ];
  grid.append(card(t("notBilled"), nbRows.length ? table([t("customer"), t("reason")], nbRows, { name: "not-billed" }) : el("p", { class: "muted", "data-empty": "not-billed" }, t("nothingNotBilled"))));
  const crow = [];
  for (const p of claims.programs) {
    for (const v of p.vouchers) crow.push(el("tr", {}, td(p.program), td(`${v.voucher} · ${v.invoice}`), td(v.customer), td(money(v.paid, v.currency), { class: "num", "data-minor": v.paid_minor })));
    crow.push(el("tr", { class: "total", "data-program": p.program }, td(`${p.program} · ${t("claim")}`), td(""), td(""), td(money(p.claim, p.currency), { class: "num", "data-minor": p.claim_minor })));
  }
  grid.append(card(t("claims"), crow.length ? table([t("program"), t("voucher"), t("customer"), t("paid")], crow, { name: "claims", num: [3] }) : el("p", { class: "muted" }, t("none"))));
  grid.append(auditCard(audit));
  const unapplied = await api("/v1/payments?status=unapplied").catch((e) => e);
  if (!(unapplied instanceof Error)) grid.append(unappliedCard(unapplied));
  const dead = await api("/v1/notifications?status=dead").catch((e) => e);
  if (!(dead instanceof Error)) grid.append(notificationsCard(dead));
  if (!(yld instanceof Error)) {
    const div = barChart("yield", yld.rows.map((r) => r.model), [{ name: t("revenue"), data: yld.rows.map((r) => Number(r.revenue)) },
      { name: t("margin"), data: yld.rows.map((r) => Number(r.margin)) }], yld.currency);
    grid.append(el("section", { class: "card wide" }, el("h2", {}, t("yieldT")), div,
      table([t("model"), t("installed"), t("allocated"), t("utilisation"), t("revenue"), t("margin")], yld.rows.map((r) => el("tr", {},
        td(r.model), td(num(r.installed_gpu_hours), { class: "num" }), td(num(r.allocated_gpu_hours), { class: "num" }), td(num(r.utilisation_pct), { class: "num" }),
        td(money(r.revenue, yld.currency), { class: "num" }), td(money(r.margin, yld.currency), { class: "num" }))), { name: "yield", num: [1, 2, 3, 4, 5] })));
  }
  if (!(cap instanceof Error)) {
    const parts = cap.rows.flatMap((r) => [{ time: r.day, s: `${r.model} ${t("idleWhole")}`, q: r.idle_whole_8gpu_gpu_hours },
      { time: r.day, s: `${r.model} ${t("idleStranded")}`, q: r.idle_stranded_gpu_hours }]);
    grid.append(card(t("capacityT"), dayChart("capacity", period, parts, (r) => r.s, (r) => Number(r.q), gpuHoursUnit()),
      el("details", {}, el("summary", {}, t("table")),
        table([t("day"), t("model"), t("installed"), t("allocated"), t("idleWhole"), t("idleStranded")], cap.rows.map((r) => el("tr", {},
          td(dateName(r.day)), td(r.model), td(num(r.installed_gpu_hours), { class: "num" }), td(num(r.allocated_gpu_hours), { class: "num" }),
          td(num(r.idle_whole_8gpu_gpu_hours), { class: "num" }), td(num(r.idle_stranded_gpu_hours), { class: "num" }))), { name: "capacity", num: [2, 3, 4, 5] }))));
  }
  if (!(cal instanceof Error)) {
    grid.append(card(t("contractsT"), table([t("month"), t("contracts"), t("committed"), t("ending"), t("atRisk")], cal.months.map((m) => el("tr", {},
      td(monthName(m.month)), td(m.contracts, { class: "num" }), td(m.committed.map((c) => `${c.currency || ""} ${c.amount || JSON.stringify(c)}`).join(", ") || "-"), td(m.ending.map((e) => e.customer || JSON.stringify(e)).join(", ") || "-"),
      td((m.at_risk || []).map((r) => `${r.customer} ${money(r.amount, r.currency)}`).join(", ") || "-"))), { name: "contracts", num: [1] })));
  }
  if (!(aging instanceof Error)) grid.append(agingCard(aging));
  show(el("h1", {}, t("finance")), bar, grid);
}

/* ---- the fleet's health (issue 36, docs/console.md): finance keys ---- */

/* A bar chart of named values with the unit on its axis (drawChart). */
function barChart(name, labels, series, unit) {
  const div = el("div", { class: "chart", "data-chart": name });
  requestAnimationFrame(() => drawChart(div, labels, series, unit));
  return div;
}

async function fleetView(params) {
  if (me.role !== "finance" && me.role !== "operator") return show(el("p", { class: "error" }, t("noAccess")));
  const { bar, period } = await toolbar("fleet", params, false);
  const [h, yld] = await Promise.all([
    api(`/v1/fleet/health?period=${period}`),
    api(`/v1/operator/yield?period=${period}`).catch((e) => e),
  ]);
  const c = h.currency, grid = el("div", { class: "grid" });
  grid.append(card(t("fleetCost"),
    barChart("fleet-cost", [t("downCost"), t("slaCredits")], [{ name: c, data: [Number(h.cost.down_cost), Number(h.cost.sla_credits)] }], c),
    table(["", t("amount")], [
      el("tr", { "data-cost": "down_cost" }, td(t("downCost")), td(money(h.cost.down_cost, c), { class: "num" })),
      el("tr", { "data-cost": "unpriced_down" }, td(t("unpricedDown")), td(`${num(h.cost.unpriced_down_gpu_hours)} ${t("hoursH")}`, { class: "num" })),
      el("tr", { "data-cost": "sla_credits", class: "total" }, td(t("slaCredits")), td(money(h.cost.sla_credits, c), { class: "num" }))], { name: "fleet-cost", num: [1] })));
  if (!(yld instanceof Error)) {
    const rows = yld.rows.filter((r) => r.availability_ppm !== null);
    grid.append(card(t("availabilityT"),
      rows.length ? barChart("fleet-availability", rows.map((r) => r.model), [{ name: t("available"), data: rows.map((r) => Number(r.availability_percent)) }], t("percentAxis")) : el("p", { class: "muted" }, t("noAvailability")),
      table([t("model"), t("available")], rows.map((r) => el("tr", { "data-availability": r.model },
        td(r.model), td(`${exact(r.availability_percent)}%`, { class: "num", "data-ppm": r.availability_ppm }))), { name: "fleet-availability", num: [1] })));
  }
  grid.append(el("section", { class: "card wide" }, el("h2", {}, t("fleetDevices")),
    h.devices.length ? barChart("fleet-devices", h.devices.map((d) => d.device), [
      { name: t("down"), stack: "t", data: h.devices.map((d) => Number(d.down_gpu_hours)) },
      { name: t("degraded"), stack: "t", data: h.devices.map((d) => Number(d.degraded_gpu_hours)) }], gpuHoursUnit()) : el("p", { class: "muted" }, t("noHealth")),
    table([t("device"), t("model"), t("metered"), t("degraded"), t("down"), t("incidents"), t("perAlloc"), t("downCost")], h.devices.map((d) => el("tr", { "data-device": d.device },
      td(d.device), td(d.model), td(num(d.metered_gpu_hours), { class: "num" }), td(num(d.degraded_gpu_hours), { class: "num" }), td(num(d.down_gpu_hours), { class: "num" }),
      td(d.incidents, { class: "num" }), td(d.revenue_per_allocated_gpu_hour === null ? "-" : money(d.revenue_per_allocated_gpu_hour, c), { class: "num" }),
      td(d.down_cost === null ? "-" : money(d.down_cost, c), { class: "num", "data-field": "down_cost" }))), { name: "fleet-devices", num: [2, 3, 4, 5, 6, 7] })));
  grid.append(el("section", { class: "card wide" }, el("h2", {}, t("fleetReasons")),
    table([t("reasonCode"), t("state"), t("customerCaused"), t("devicesN"), t("windows"), t("hoursH"), t("meaning")], h.reasons.map((r) => el("tr", { "data-reason": r.reason },
      td(r.reason), td(r.state === null ? "-" : t(`state_${r.state}`)), td(r.customer_caused === null ? "-" : t(r.customer_caused ? "yes" : "no")),
      td(r.devices, { class: "num" }), td(r.windows, { class: "num" }), td(num(r.gpu_hours), { class: "num" }), td(reasonMeaning(r)))), { name: "fleet-reasons", num: [3, 4, 5] })));
  const credit = (x, total) => el("tr", { class: total ? "total" : null, "data-credit": x.customer },
    td(total ? t("allCustomersF") : x.customer), td(money(x.month_invoice, c), { class: "num" }), td(money(x.late_adjustments, c), { class: "num" }),
    td(money(x.sla_credits, c), { class: "num", "data-field": "sla_credits" }));
  /* an operator key gets the total only (no customer's invoices) */
  grid.append(el("section", { class: "card wide" }, el("h2", {}, t(h.credits ? "fleetCredits" : "fleetCreditsTotal")),
    table([t("customer"), t("monthInvoice"), t("late"), t("credits")], [...(h.credits || []).map((x) => credit(x, false)), credit(h.credits_total, true)], { name: "fleet-credits", num: [1, 2, 3] })));
  show(el("h1", {}, `${t("fleet")} · ${monthName(period)}`), bar, grid);
}

/* ---- the investor's book (issue 37, docs/console.md): finance keys ---- */

/* A figure that is not money: the lender pack's rule of names
 * (billing/lender_pack.c, docs/investor.md "The lender pack"). */
const ratioFigure = (k) => k === "dscr" || /_(percent|ratio|rate|month)$/.test(k) || k.startsWith("payback_");
const figureName = (k) => (Object.hasOwn(WORDS[lang], `fig_${k}`) ? t(`fig_${k}`) : k);
function figureValue(k, v, c) {
  if (v === null) return t("noneV");
  if (!ratioFigure(k)) return money(v, c);
  if (/^\d{4}-\d{2}$/.test(v)) return v; /* a month: first_month, payback_* */
  return k.endsWith("_percent") ? `${exact(v)}%` : exact(v);
}

async function investorView(params) {
  if (me.role !== "finance") return show(el("p", { class: "error" }, t("noAccess")));
  const list = (await api("/v1/projects")).projects;
  if (!list.length) return show(el("h1", {}, t("investor")), el("p", { class: "muted", "data-empty": "projects" }, t("noProjects")));
  const chosen = list.some((p) => p.project === params.get("project")) ? params.get("project") : list[0].project;
  const period = el("input", { type: "month", id: "period", value: params.get("period") || thisMonth() });
  const pick = el("select", { id: "project" }, list.map((p) => {
    const name = p.versions[p.versions.length - 1].name;
    return el("option", { value: p.project, selected: p.project === chosen }, name ? `${p.project} · ${name}` : p.project);
  }));
  const bar = el("form", { class: "toolbar" }, el("label", {}, t("project"), pick), el("label", {}, t("period"), period),
    el("button", { class: "primary", type: "submit" }, t("load")));
  bar.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go("investor", { project: pick.value, period: period.value });
  });
  const p = period.value, q = encodeURIComponent(chosen);
  /* a project with no version in the month, or no debt, is a 404: said, not failed */
  const notFound = (e) => { if (e instanceof Error && /^404 /.test(e.message)) return null; throw e; };
  const [m, s, b] = await Promise.all([
    api(`/v1/project?project=${q}&period=${p}`).catch(notFound),
    api(`/v1/project/schedule?project=${q}&at=${lastDay(p)}`).catch(notFound),
    api(`/v1/project/backlog?project=${q}&period=${p}`).catch(notFound),
  ]);
  const title = el("h1", {}, `${t("investor")} · ${chosen} · ${monthName(p)}`);
  if (!m) return show(title, bar, el("p", { class: "muted", "data-empty": "project" }, t("notInEffect")));
  const c = m.currency, grid = el("div", { class: "grid" });
  const figures = Object.keys(m).filter((k) => !["project", "effective_from", "period", "currency"].includes(k));
  grid.append(el("section", { class: "card", "data-card": "investor-month" }, el("h2", {}, t("investorMonth")),
    el("p", { class: "sub" }, `${t("versionOf").replace("{d}", dateName(m.effective_from))} · ${t("moneyIn").replace("{c}", c)}`),
    table([t("figure"), t("value")], figures.map((k) => el("tr", { "data-figure": k },
      td(figureName(k)), td(figureValue(k, m[k], c), { class: "num" }))), { name: "investor-month", num: [1] })));
  const cols = ["opening", "drawn", "interest", "principal", "payment", "closing"];
  grid.append(el("section", { class: "card wide", "data-card": "debt-schedule" }, el("h2", {}, t("debtSchedule")),
    s ? table([t("sch_period"), t("sch_from"), t("sch_due"), ...cols.map((k) => t(`sch_${k}`))], s.rows.map((r) => el("tr", { "data-period": r.period },
      td(r.period, { class: "num" }), td(dateName(r.from)), td(dateName(r.due)), ...cols.map((k) => td(money(r[k], s.currency), { class: "num" })))),
    { name: "debt-schedule", num: [0, 3, 4, 5, 6, 7, 8] }) : el("p", { class: "muted", "data-empty": "debt-schedule" }, t("noDebt"))));
  if (b) grid.append(backlogCard(b));
  show(title, bar, grid);
}

/* The backlog curve (GET /v1/project/backlog, `report project --backlog`):
 * each month after the period to the last with a commitment, the counted
 * backlog and the part of customers in default stacked, in the project's
 * currency; the table beside it holds the exact amounts (the chart's are
 * floats, drawn only). The curve is every month in order, so the axis is
 * continuous as the API gives it. */
function backlogCard(b) {
  const c = b.currency, months = b.months;
  const head = el("h2", {}, t("backlogCurve"));
  if (!months.length) return el("section", { class: "card wide", "data-card": "backlog" }, head, el("p", { class: "muted", "data-empty": "backlog" }, t("noBacklog")));
  return el("section", { class: "card wide", "data-card": "backlog" }, head, el("p", { class: "sub" }, t("moneyIn").replace("{c}", c)),
    barChart("backlog", months.map((x) => x.month), [
      { name: t("backlogCounted"), stack: "b", data: months.map((x) => Number(x.backlog)) },
      { name: t("backlogInDefault"), stack: "b", data: months.map((x) => Number(x.in_default)) }], c),
    table([t("month"), t("contracts"), t("backlogCounted"), t("inDefaultCol")], months.map((x) => el("tr", { "data-month": x.month },
      td(x.month), td(x.contracts, { class: "num" }), td(money(x.backlog, c), { class: "num", "data-backlog": x.backlog }),
      td(money(x.in_default, c), { class: "num", "data-in-default": x.in_default }))), { name: "backlog", num: [1, 2, 3] }));
}

/* ---- the realised compute price index (issue 37, docs/console.md): finance keys ---- */

/* Every month from from to to (YYYY-MM), in order: the chart's axis, so a
 * month with no value is on it, as a gap. */
function monthsBetween(from, to) {
  const out = [];
  let [y, m] = from.split("-").map(Number);
  const [y1, m1] = to.split("-").map(Number);
  while (y * 12 + m <= y1 * 12 + m1 && out.length < 1200) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (++m > 12) { m = 1; y++; }
  }
  return out;
}
function monthsBack(period, n) {
  const [y, m] = period.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 - n, 1));
  return d.toISOString().slice(0, 7);
}

/* A line chart over a category axis: null is a gap (connectNulls off);
 * its legend always shown (the key of each line). */
function lineChart(name, labels, series, unit, note) {
  const div = el("div", { class: "chart", "data-chart": name });
  requestAnimationFrame(() => drawChart(div, labels, series, unit, { line: true, legend: true, note, yAxis: { scale: true } }));
  return div;
}

async function indexView(params) {
  if (me.role !== "finance") return show(el("p", { class: "error" }, t("noAccess")));
  const to = params.get("to") || thisMonth(), from = params.get("from") || monthsBack(to, 11);
  const series = ["gpu_hours", "tokens", "commitments"].includes(params.get("series")) ? params.get("series") : "gpu_hours";
  const basis = params.get("basis") === "net" ? "net" : "gross";
  const fromI = el("input", { type: "month", id: "from", value: from }), toI = el("input", { type: "month", id: "to", value: to });
  const sel = (id, values, chosen, word) => el("select", { id }, values.map((v) => el("option", { value: v, selected: v === chosen }, t(`${word}_${v}`))));
  const seriesS = sel("series", ["gpu_hours", "tokens", "commitments"], series, "series"), basisS = sel("basis", ["gross", "net"], basis, "basis");
  const bar = el("form", { class: "toolbar" }, el("label", {}, t("from"), fromI), el("label", {}, t("to"), toI),
    el("label", {}, t("series"), seriesS), el("label", {}, t("basis"), basisS), el("button", { class: "primary", type: "submit" }, t("load")));
  bar.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go("index", { from: fromI.value, to: toI.value, series: seriesS.value, basis: basisS.value });
  });
  const q = new URLSearchParams({ from, to, series, basis });
  const [x, revs] = await Promise.all([api(`/v1/index?${q}`), api(`/v1/index?${q}&revisions=true`)]);
  const tokens = series === "tokens", qty = tokens ? "million_tokens" : "gpu_hours", priceOf = tokens ? "price_per_million_tokens" : "price_per_gpu_hour";
  const currencies = [...new Set(x.rows.map((r) => r.currency))].sort();
  const keyOf = (r) => (currencies.length > 1 ? `${termName(r.model)} · ${r.currency}` : termName(r.model));
  const unit = t(tokens ? "perMTokens" : "perGpuHour").replace("{c}", currencies.join(" / ") || "");
  const title = el("h1", {}, `${t("index")} · ${t(`series_${series}`)} · ${t(`basis_${basis}`)}`);
  const grid = el("div", { class: "grid" });
  const months = monthsBetween(from, to);
  /* one line per key; a month withheld (insufficient) or without sales is
   * null, a gap; a provisional value a diamond */
  const keys = [...new Set(x.rows.map(keyOf))];
  const lines = keys.map((k) => ({ name: k, data: months.map((mo) => {
    const r = x.rows.find((y) => y.month === mo && keyOf(y) === k);
    if (!r || r[priceOf] === "insufficient") return null;
    return r.status === "provisional" ? { value: Number(r[priceOf]), symbol: "diamond", symbolSize: 12 } : Number(r[priceOf]);
  }) }));
  const sub = el("p", { class: "sub" }, `${unit} · ${t("minContracts").replace("{n}", x.min_contracts)}`);
  const status = (r) => t(r.status);
  const price = (r) => (r[priceOf] === "insufficient" ? t("insufficient") : exact(r[priceOf]));
  grid.append(el("section", { class: "card wide", "data-card": "index" }, el("h2", {}, t("indexT")), sub,
    /* a range where every month is withheld draws nothing: said, not an empty chart */
    !x.rows.length ? el("p", { class: "muted", "data-empty": "index" }, t("noIndex"))
      : lines.every((l) => l.data.every((v) => v === null)) ? el("p", { class: "muted", "data-empty": "index" }, t("noIndexValue"))
        : lineChart("index", months, lines, unit, t("indexLegend"))));
  const headsOf = (more) => [t("month"), t(`key_${series}`), t("currency"), t("contracts"), t(`qty_${series}`), t("amount"), `${t("price")} (${unit})`, t("status"), ...more];
  const cells = (r) => [td(r.month), td(termName(r.model)), td(r.currency), td(r.contracts, { class: "num" }),
    td(r[qty] === "-" ? "-" : exact(r[qty]), { class: "num" }), td(r.amount === "-" ? "-" : money(r.amount, r.currency), { class: "num" }),
    td(price(r), { class: "num", "data-price": r[priceOf] }), td(status(r), { "data-status": r.status })];
  if (x.rows.length)
    grid.append(el("section", { class: "card wide", "data-card": "index-rows" }, el("h2", {}, t("indexRows")),
      table(headsOf([]), x.rows.map((r) => el("tr", { "data-row": `${r.month} ${r.model} ${r.currency}` }, cells(r))), { name: "index-rows", num: [3, 4, 5, 6] })));
  grid.append(el("section", { class: "card wide", "data-card": "index-revisions" }, el("h2", {}, t("indexRevisions")),
    revs.publications.length ? table(headsOf([t("revision"), t("publishedAt")]), revs.publications.map((r) => el("tr", { "data-revision": `${r.month} ${r.model} ${r.currency} ${r.revision}` },
      cells(r), td(r.revision, { class: "num" }), td(r.published_at))), { name: "index-revisions", num: [3, 4, 5, 6, 8] })
      : el("p", { class: "muted", "data-empty": "index-revisions" }, t("noRevisions"))));
  show(title, bar, grid);
}

/* ---- receivables (issue 34): the aging card and an invoice's payment state ---- */

function agingCard(aging) {
  const b = ["current", "days_1_30", "days_31_60", "days_61_90", "over_90"];
  const rows = aging.rows.map((r) => el("tr", { class: r.total ? "total" : null, "data-aging": `${r.customer || "total"} ${r.currency}` },
    td(r.total ? t("allCustomers") : r.customer), td(r.currency),
    ...b.map((k) => td(money(r[k], r.currency), { class: "num", "data-field": k, "data-minor": r[`${k}_minor`] })),
    td(money(r.open, r.currency), { class: "num", "data-field": "open", "data-minor": r.open_minor }),
    td(money(r.sales_90d, r.currency), { class: "num" }), td(r.dso === null ? "-" : r.dso, { class: "num", "data-field": "dso" }),
    td(r.default_since ? dateName(r.default_since) : "", { class: r.default_since ? "error" : null, "data-field": "default_since" })));
  return el("section", { class: "card wide" }, el("h2", {}, `${t("agingT")} · ${t("asOf")} ${dateName(aging.as_of)}`),
    rows.length ? table([t("customer"), t("currency"), t("ag_current"), t("ag_1_30"), t("ag_31_60"), t("ag_61_90"), t("ag_over_90"), t("openAmt"), t("sales90"), t("dso"), t("defaultSince")], rows, { name: "aging", num: [2, 3, 4, 5, 6, 7, 8, 9] })
      : el("p", { class: "muted", "data-empty": "aging" }, t("noAging")));
}
function payState(i) {
  if (!i.state) return "";
  const s = t(`st_${i.state}`);
  return i.overdue ? `${s} · ${t("overdueDays").replace("{n}", i.days_overdue)}` : s;
}

/* ---- the sales view ---- */

async function salesView(params) {
  if (me.role === "customer") return show(el("p", { class: "error" }, t("noAccess")));
  const { bar, period, customer } = await toolbar("sales", params, true);
  const plans = await api("/v1/plans");
  const grid = el("div", { class: "grid" });
  for (const p of plans.plans) {
    /* versions side by side, oldest first, a column each, every field a
     * row (plans.js's docsTable), the rows where they differ marked; the
     * editor and the proposals are on the plans page */
    grid.append(el("section", { class: "card wide" }, el("h2", {}, `${t("plan")} ${p.code}`),
      docsTable(`plan-${p.code}`, p.versions.map((v) => v.document), p.versions.map((v) => el("span", { "data-plan": `${p.code} ${v.effective_from}`, title: `${v.applied_by} · ${v.applied_at}` }, `${t("validFrom")} ${dateName(v.effective_from)}`))),
      el("p", {}, el("a", { href: `#/plans?plan=${encodeURIComponent(p.code)}`, "data-edit": p.code }, t("editInPlans")))));
  }
  const text = el("textarea", { id: "proposed", spellcheck: "false" });
  if (plans.plans.length && plans.plans[0].versions.length) text.value = JSON.stringify(plans.plans[0].versions.at(-1).document, null, 2);
  const file = el("input", { type: "file", accept: "application/json,.json", id: "plan-file" });
  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const out = el("div", { id: "simulation" });
  const go2 = el("button", { class: "primary", type: "button", id: "simulate" }, t("run"));
  go2.addEventListener("click", async () => {
    out.replaceChildren(el("p", { class: "muted" }, t("loading")));
    try {
      const q = new URLSearchParams({ customer, period });
      const r = await api(`/v1/simulate?${q}`, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: text.value });
      const c = r.currency;
      out.replaceChildren(...(r.current_issued ? [el("p", { class: "pill", "data-source": "issued" }, `${t("current")}: ${t("frozen")} ${r.current_source.replace(/^issued invoice /, "")}`)] : []), table([t("line"), t("current"), t("proposedCol"), t("difference")], r.rows.map((x) => el("tr", { class: x.total ? "total" : null, "data-row": x.line },
        td(x.total ? t(x.line) : (x.description_zh ? described(x) : x.line)), td(x.current === null ? "-" : money(x.current, c), { class: "num", "data-minor": x.current_minor }), td(x.proposed === null ? "-" : money(x.proposed, c), { class: "num", "data-minor": x.proposed_minor }),
        td(money(x.difference, c), { class: `num${x.difference_minor < 0 ? " neg" : ""}`, "data-minor": x.difference_minor }))), { name: "simulation", num: [1, 2, 3] }));
    } catch (e) {
      if (e instanceof SignedOut) return signinView(t("ended"));
      out.replaceChildren(el("p", { class: "error" }, e.message));
    }
  });
  grid.append(el("section", { class: "card wide" }, el("h2", {}, `${t("simulate")} · ${customer} · ${monthName(period)}`),
    el("label", { for: "proposed" }, t("proposed")), text, el("p", {}, `${t("upload")}: `, file), el("p", {}, go2), out));
  show(el("h1", {}, t("sales")), bar, grid);
}

/* ---- routing ---- */

function fail(e) {
  if (e instanceof SignedOut) return signinView(t("ended"));
  show(el("p", { class: "error", id: "error" }, e.message));
}

async function route() {
  try {
    if (!me) me = await api("/v1/me");
    if (!meters) meters = new Map((await api("/v1/meters")).meters.map((m) => [m.code, m]));
  } catch (e) {
    return e instanceof SignedOut ? signinView() : fail(e);
  }
  const [view, params] = parseHash();
  if (!views().includes(view)) {
    location.replace(home());
    return;
  }
  renderNav();
  main().replaceChildren(el("p", { class: "muted" }, t("loading")));
  try {
    const own = { customer: customerView, finance: financeView, fleet: fleetView, investor: investorView, index: indexView, sales: salesView };
    await (Object.hasOwn(own, view) ? own[view] : VIEWS[view].draw)(params);
    document.body.dataset.ready = view; /* for tests: the view has drawn */
  } catch (e) {
    fail(e);
  }
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("gm_lang", lang);
  delete document.body.dataset.ready; /* redrawn in the other language */
  if (me) route(); else signinView();
});
document.getElementById("signout").addEventListener("click", async () => {
  await fetch("/v1/session", withCsrf({ method: "DELETE" }));
  location.hash = "";
  signinView();
});
window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
document.addEventListener("DOMContentLoaded", route); /* after every deferred file registered its views */

/**
 * The Vietnamese a printed form writes for each coded value of the case forms. Each table is keyed by its
 * list of codes, so a code added to a form fails to compile until it is given its words here.
 */
import type {
  closureReasons,
  emergencyActions,
  goalProgress,
  intakeChannels,
  needDomains,
  priorities,
  RiskCriterion,
  RiskLevel,
} from './forms-rules.js'

type Labels<Codes extends readonly string[]> = Readonly<Record<Codes[number], string>>

export const channelNames: Labels<typeof intakeChannels> = {
  hotline_111: 'Tổng đài điện thoại quốc gia bảo vệ trẻ em 111',
  school: 'Nhà trường',
  neighbour: 'Hàng xóm',
  police: 'Cơ quan công an',
  self: 'Trẻ em tự báo',
  family: 'Gia đình',
  health_facility: 'Cơ sở y tế',
  other: 'Khác',
}

export const riskLevelNames: Readonly<Record<RiskLevel, string>> = {
  low: 'Thấp',
  medium: 'Trung bình',
  high: 'Cao',
}

export const riskCriterionNames: Readonly<Record<RiskCriterion, string>> = {
  serious_injury: 'Trẻ bị thương tích nghiêm trọng',
  sexual_abuse: 'Trẻ bị xâm hại tình dục',
  perpetrator_has_access: 'Người gây tổn hại vẫn có thể tiếp cận trẻ',
  no_safe_caregiver: 'Không có người chăm sóc an toàn',
  repeated_harm: 'Trẻ bị tổn hại nhiều lần',
  child_under_6: 'Trẻ dưới 6 tuổi',
  disability_or_illness: 'Trẻ khuyết tật hoặc mắc bệnh',
  caregiver_unable_to_protect: 'Người chăm sóc không có khả năng bảo vệ trẻ',
  emotional_distress: 'Trẻ bị tổn thương tinh thần',
  out_of_school: 'Trẻ không đi học',
}

export const emergencyActionNames: Labels<typeof emergencyActions> = {
  moved_to_safe_place: 'Đưa trẻ đến nơi an toàn',
  medical_care: 'Chăm sóc y tế',
  police_notified: 'Thông báo cơ quan công an',
  separated_from_perpetrator: 'Cách ly trẻ khỏi người gây tổn hại',
  placed_with_relative: 'Giao trẻ cho người thân chăm sóc',
  shelter: 'Đưa trẻ đến nơi tạm lánh',
  other: 'Biện pháp khác',
}

export const domainNames: Labels<typeof needDomains> = {
  safety: 'An toàn',
  health: 'Sức khỏe',
  education: 'Giáo dục',
  family: 'Gia đình',
  psychosocial: 'Tâm lý - xã hội',
  legal: 'Pháp lý',
  economic: 'Kinh tế',
  care: 'Chăm sóc thay thế',
}

export const priorityNames: Labels<typeof priorities> = {
  low: 'Thấp',
  medium: 'Trung bình',
  high: 'Cao',
}

export const progressNames: Labels<typeof goalProgress> = {
  not_started: 'Chưa thực hiện',
  in_progress: 'Đang thực hiện',
  achieved: 'Đã đạt',
  not_achieved: 'Không đạt',
}

export const closureReasonNames: Labels<typeof closureReasons> = {
  goals_met: 'Đã đạt các mục tiêu của kế hoạch hỗ trợ, can thiệp',
  moved_away: 'Trẻ chuyển nơi cư trú',
  transferred: 'Chuyển hồ sơ đến cơ quan, tổ chức khác',
  turned_16: 'Trẻ đủ 16 tuổi',
  death: 'Trẻ tử vong',
  not_a_protection_case: 'Không phải trường hợp cần bảo vệ',
  other: 'Lý do khác',
}

export const responsibleKindNames = { agency: 'cơ quan', person: 'cá nhân' } as const

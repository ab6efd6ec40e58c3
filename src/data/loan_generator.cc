#include "data/loan_generator.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <fmt/format.h>

#include "base/seeded_random.h"

namespace orchard {
namespace {

// Reproducible draws (base/seeded_random.h) plus the shapes the columns need.
class Draw : public SeededRandom {
 public:
  using SeededRandom::SeededRandom;
  int64_t Integer(int64_t low, int64_t high) {  // inclusive
    return low + static_cast<int64_t>(Below(static_cast<uint64_t>(high - low + 1)));
  }
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }
  size_t Pick(std::initializer_list<double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    size_t i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return weights.size() - 1;
  }
};

Column Numeric(std::string name) {
  Column column;
  column.name = std::move(name);
  column.type = ColumnType::kNumeric;
  return column;
}

Column Categorical(std::string name, std::vector<std::string> levels) {
  Column column;
  column.name = std::move(name);
  column.type = ColumnType::kCategorical;
  column.levels = std::move(levels);
  return column;
}

double Round(double value, int digits) {
  double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

}  // namespace

Frame MakeLoanFrame(size_t rows, uint64_t seed) {
  Draw draw(seed);
  std::vector<std::string> batches;
  for (int i = 0; i < 41; ++i)
    batches.push_back(fmt::format("BAT{}", 1000000 + i * 104729 % 9000000));
  // How risky each batch is: a hidden effect the encoders can learn from the training rows.
  std::vector<double> batch_effect;
  for (size_t i = 0; i < batches.size(); ++i) batch_effect.push_back(0.4 * draw.Normal());
  std::vector<std::string> grades = {"A", "B", "C", "D", "E", "F", "G"};
  std::vector<std::string> sub_grades;
  for (const std::string& grade : grades) {
    for (int i = 1; i <= 5; ++i) sub_grades.push_back(grade + std::to_string(i));
  }
  std::vector<std::string> titles = {
      "Debt consolidation", "Credit card refinancing", "Debt Consolidation", "Other",
      "Home improvement",   "Credit Consolidation",    "Consolidation",      "Major purchase",
      "Business",           "Medical expenses",        "Car financing",      "Personal Loan",
      "Vacation",           "Moving and relocation",   "Home buying",        "Green loan",
      "debt consolidation"};

  Frame frame;
  frame.rows = rows;
  Column id = Numeric("ID"), loan_amount = Numeric("Loan Amount"),
         funded = Numeric("Funded Amount"), funded_investor = Numeric("Funded Amount Investor"),
         term = Numeric("Term");
  Column batch = Categorical("Batch Enrolled", batches);
  Column rate = Numeric("Interest Rate");
  Column grade = Categorical("Grade", grades), sub_grade = Categorical("Sub Grade", sub_grades);
  Column employment = Categorical("Employment Duration", {"MORTGAGE", "RENT", "OWN"});
  Column home = Numeric("Home Ownership");
  Column verification =
      Categorical("Verification Status", {"Not Verified", "Source Verified", "Verified"});
  Column plan = Categorical("Payment Plan", {"n"});
  Column title = Categorical("Loan Title", titles);
  Column dti = Numeric("Debit to Income"), delinquency = Numeric("Delinquency - two years"),
         inquiries = Numeric("Inquires - six months"), open = Numeric("Open Account"),
         public_record = Numeric("Public Record"), revolving = Numeric("Revolving Balance"),
         utilisation = Numeric("Revolving Utilities"), accounts = Numeric("Total Accounts");
  Column list_status = Categorical("Initial List Status", {"w", "f"});
  Column interest = Numeric("Total Received Interest"),
         late_fee = Numeric("Total Received Late Fee"), recoveries = Numeric("Recoveries"),
         recovery_fee = Numeric("Collection Recovery Fee"),
         medical = Numeric("Collection 12 months Medical");
  Column application = Categorical("Application Type", {"INDIVIDUAL", "JOINT"});
  Column last_week = Numeric("Last week Pay"), delinquent = Numeric("Accounts Delinquent"),
         collection = Numeric("Total Collection Amount"),
         balance = Numeric("Total Current Balance"),
         credit_limit = Numeric("Total Revolving Credit Limit");
  Column status = Numeric("Loan Status");

  for (size_t r = 0; r < rows; ++r) {
    id.numbers.push_back(
        static_cast<double>(65087372 + r * 7 + static_cast<size_t>(draw.Integer(0, 6))));
    double amount = static_cast<double>(draw.Integer(1014, 35000));
    loan_amount.numbers.push_back(amount);
    double funded_amount =
        std::round(std::clamp(amount * (0.6 + 0.4 * draw.Uniform()), 1014.0, 34999.0));
    funded.numbers.push_back(funded_amount);
    funded_investor.numbers.push_back(Round(funded_amount * (0.55 + 0.45 * draw.Uniform()), 6));
    constexpr double kTerms[] = {59, 58, 36};
    term.numbers.push_back(kTerms[draw.Pick({0.62, 0.26, 0.12})]);
    int32_t batch_code =
        static_cast<int32_t>(draw.Integer(0, static_cast<int64_t>(batches.size()) - 1));
    batch.codes.push_back(batch_code);
    int32_t grade_code =
        static_cast<int32_t>(draw.Pick({0.11, 0.29, 0.29, 0.16, 0.09, 0.04, 0.02}));
    grade.codes.push_back(grade_code);
    sub_grade.codes.push_back(grade_code * 5 + static_cast<int32_t>(draw.Integer(0, 4)));
    double interest_rate =
        Round(std::clamp(6.0 + 2.6 * grade_code + 3.0 * draw.Normal(), 5.32, 27.18), 6);
    rate.numbers.push_back(interest_rate);
    employment.codes.push_back(static_cast<int32_t>(draw.Pick({0.54, 0.36, 0.10})));
    home.numbers.push_back(Round(std::clamp(draw.LogNormal(11.1, 0.45), 14573.0, 406561.0), 4));
    verification.codes.push_back(static_cast<int32_t>(draw.Pick({0.24, 0.49, 0.27})));
    plan.codes.push_back(0);
    title.codes.push_back(
        static_cast<int32_t>(draw.Pick({0.50, 0.20, 0.06, 0.05, 0.05, 0.03, 0.02, 0.02, 0.02, 0.01,
                                        0.01, 0.01, 0.005, 0.005, 0.004, 0.003, 0.003})));
    double debt_to_income = Round(std::clamp(draw.LogNormal(2.8, 0.5), 0.675, 39.63), 6);
    dti.numbers.push_back(debt_to_income);
    double delinquent_years = static_cast<double>(draw.Pick({0.77, 0.15, 0.05, 0.02, 0.01}));
    delinquency.numbers.push_back(delinquent_years);
    double inquiry = static_cast<double>(draw.Pick({0.55, 0.27, 0.11, 0.05, 0.015, 0.005}));
    inquiries.numbers.push_back(inquiry);
    double open_accounts =
        static_cast<double>(std::clamp<int64_t>(std::lround(draw.LogNormal(2.5, 0.4)), 2, 37));
    open.numbers.push_back(open_accounts);
    public_record.numbers.push_back(static_cast<double>(draw.Pick({0.93, 0.06, 0.008, 0.002})));
    revolving.numbers.push_back(std::round(std::clamp(draw.LogNormal(9.0, 1.0), 0.0, 116933.0)));
    double utilisation_value = Round(std::clamp(55.0 + 23.0 * draw.Normal(), 0.005, 100.88), 6);
    utilisation.numbers.push_back(utilisation_value);
    accounts.numbers.push_back(
        std::max(open_accounts + 2, static_cast<double>(draw.Integer(4, 72))));
    int32_t list_code = static_cast<int32_t>(draw.Pick({0.54, 0.46}));
    list_status.codes.push_back(list_code);
    interest.numbers.push_back(Round(draw.LogNormal(7.5, 0.8), 6));
    late_fee.numbers.push_back(draw.Uniform() < 0.9 ? Round(draw.Uniform() * 0.5, 6)
                                                    : Round(draw.LogNormal(2.0, 1.0), 6));
    double recovery =
        draw.Uniform() < 0.9 ? Round(draw.Uniform() * 5, 6) : Round(draw.LogNormal(5.0, 1.2), 6);
    recoveries.numbers.push_back(recovery);
    recovery_fee.numbers.push_back(Round(recovery * 0.1 * draw.Uniform(), 6));
    medical.numbers.push_back(draw.Uniform() < 0.98 ? 0.0 : 1.0);
    application.codes.push_back(draw.Uniform() < 0.998 ? 0 : 1);
    double weeks = static_cast<double>(draw.Integer(0, 161));
    last_week.numbers.push_back(weeks);
    delinquent.numbers.push_back(draw.Uniform() < 0.999 ? 0.0 : 1.0);
    collection.numbers.push_back(draw.Uniform() < 0.9 ? 0.0 : std::round(draw.LogNormal(3.5, 1.2)));
    balance.numbers.push_back(std::round(draw.LogNormal(11.5, 1.0)));
    credit_limit.numbers.push_back(std::round(draw.LogNormal(9.8, 0.7)));

    // The default risk: a weak mix of a few columns plus much noise, around 9% positives.
    double logit = -2.8 + 0.10 * grade_code + 0.025 * (interest_rate - 12.0) +
                   0.012 * (debt_to_income - 17.0) + 0.10 * inquiry + 0.10 * delinquent_years +
                   0.004 * (utilisation_value - 55.0) +
                   batch_effect[static_cast<size_t>(batch_code)] + 0.15 * (list_code == 1) -
                   0.003 * (weeks - 80.0) + 0.55 * draw.Normal();
    status.numbers.push_back(draw.Uniform() < 1.0 / (1.0 + std::exp(-logit)) ? 1.0 : 0.0);
  }
  frame.columns = {std::move(id),
                   std::move(loan_amount),
                   std::move(funded),
                   std::move(funded_investor),
                   std::move(term),
                   std::move(batch),
                   std::move(rate),
                   std::move(grade),
                   std::move(sub_grade),
                   std::move(employment),
                   std::move(home),
                   std::move(verification),
                   std::move(plan),
                   std::move(title),
                   std::move(dti),
                   std::move(delinquency),
                   std::move(inquiries),
                   std::move(open),
                   std::move(public_record),
                   std::move(revolving),
                   std::move(utilisation),
                   std::move(accounts),
                   std::move(list_status),
                   std::move(interest),
                   std::move(late_fee),
                   std::move(recoveries),
                   std::move(recovery_fee),
                   std::move(medical),
                   std::move(application),
                   std::move(last_week),
                   std::move(delinquent),
                   std::move(collection),
                   std::move(balance),
                   std::move(credit_limit),
                   std::move(status)};
  return frame;
}

}  // namespace orchard

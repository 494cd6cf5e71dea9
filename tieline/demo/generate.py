"""Deterministic generator of the bundled demo workspace that ``tieline demo`` ingests.

The demo is the shared Customer Success mailbox of **Northwind Analytics**
(``northwind.io``): CSMs Sam Ortiz and Priya Natarajan, account executive Jordan
Blake, support engineer Mei Chen and VP Customer Success Helen Adeyemi, over the
six months ending 2026-11-20, with four customers:

* **Acme Logistics** - healthy and multi-threaded: warm tone, replies within hours
  both ways, SSO setup, a UK rollout, a QBR, a seat expansion and a forecasting pilot.
* **Globex** - single-threaded through one operations manager, who goes dark in
  early October; the CSM's check-ins go unanswered for the last ~45 days.
* **Initech** - the champion leaves (an out-of-office "no longer with Initech",
  then a bounce); a new, cautious owner re-evaluates the tool, then warms up.
* **Umbrella Health** - a bug left open for months, late or missing answers, an
  escalation to their VP and CFO, pricing pushback and churn-risk language ahead
  of a December renewal.

Conversations live in ``_SCRIPT`` below. The generator adds greetings, sign-offs,
signatures, quoted history (Gmail, Outlook and iPhone style), headers and
timestamps in business hours of each sender's time zone, all drawn from
``random.Random(seed)``: the output is byte-for-byte reproducible. Regenerate the
committed mbox with ``python -m tieline.demo.generate``.
"""

from __future__ import annotations

import html
import quopri
import random
import re
import textwrap
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, formataddr
from pathlib import Path

__all__ = ["DEFAULT_PATH", "build_messages", "write_mbox"]

DEFAULT_PATH = Path(__file__).with_name("data") / "northwind.mbox"

# key | display name | address | title | zone client signature-style
# client: g = Gmail/Workspace, o = Outlook, v = a system; zones: ny chi la uk.
_PEOPLE = """
sam|Sam Ortiz|sam.ortiz@northwind.io|Customer Success Manager|ny g dash
priya|Priya Natarajan|priya.natarajan@northwind.io|Senior Customer Success Manager|ny g dash
jordan|Jordan Blake|jordan.blake@northwind.io|Account Executive|chi g regards
mei|Mei Chen|mei.chen@northwind.io|Support Engineer|la g dash
helen|Helen Adeyemi|helen.adeyemi@northwind.io|VP Customer Success|ny g regards
dana|Dana Whitfield|dana@acme-logistics.com|VP Operations|chi g dash
dana2|Dana Whitfield|dana.whitfield@acme-logistics.com|VP Operations|chi g dash
tom|Tom Becker|tom.becker@acme-logistics.com|Director of Data & Analytics|chi g dash
lena|Lena Park|lena.park@acme-logistics.com|Senior Operations Analyst|chi g regards
raj|Raj Patel|raj.patel@acme-logistics.com|IT Administrator|chi g dash
rachel|Rachel Kim|rachel.kim@acme-logistics.com|Chief Financial Officer|chi g regards
oliver|Oliver Grant|oliver.grant@acmelogistics.co.uk|Head of UK Operations|uk o regards
karen|Karen Mills|kmills@globex.com|Operations Manager|la o regards
victor|Victor Hale|vhale@globex.com|VP Finance|la o regards
nina|Nina Ross|nross@globex.com|BI Analyst|la o regards
laura|Laura Benson|laura.benson@initech.io|Director of Analytics|ny o regards
greg|Greg Sawyer|greg.sawyer@initech.io|IT Manager|ny o regards
tanya|Tanya Brooks|tanya.brooks@initech.io|VP Finance|ny o regards
chloe|Chloé Martin|chloe.martin@initech.io|Head of Data Platform|ny o regards
marcus|Marcus Lee|marcus.lee@umbrellahealth.org|Director of IT|ny o regards
mhome|Marcus L.|marcus.lee.home@gmail.com|Director of IT|ny g plain
diane|Diane Foster|diane.foster@umbrellahealth.org|VP Clinical Operations|ny o regards
robert|Robert Hayes|robert.hayes@umbrellahealth.org|Chief Financial Officer|ny o regards
sofia|Sofia Alvarez|sofia.alvarez@umbrellahealth.org|Data Analyst|ny o regards
saas|SaaS Weekly|updates@saasweekly.com||la v none
signflow|SignFlow|no-reply@signflow.com||la v none
daemon|Mail Delivery System|mailer-daemon@initech.io||ny v none
"""
_COMPANIES = {
    "northwind.io": "Northwind Analytics",
    "acme-logistics.com": "Acme Logistics",
    "acmelogistics.co.uk": "Acme Logistics UK Ltd",
    "globex.com": "Globex Corporation",
    "initech.io": "Initech",
    "umbrellahealth.org": "Umbrella Health",
}
_AREA = {"ny": "+1 (646) 555-01", "chi": "+1 (312) 555-01", "la": "+1 (415) 555-01"}

# Script: "# <account> <YYYY-MM-DD HH:MM sender-local> <subject>" starts a thread;
# "= <sender> [> to ...] [; cc ...] [+1d4h] [flags]" is a message replying to the one above
# (to all of it, without "> ..."), sent that long after it. Body: one line per paragraph
# ("\" continues a line), "- " / "1. " items join the line above; greetings, sign-offs and
# quotes are added. {checkin}, {bump}, {news} bodies are composed from the lists below.
_FLAGS = {
    "noref": "a reply with only a 'Re:' subject, no In-Reply-To/References",
    "early": "placed in the mbox before its parent",
    "thrid": "carries a Gmail X-GM-THRID header",
    "html": "HTML-only body",
    "latin1": "iso-8859-1 body and encoded-word display name",
    "nodate": "no Date and no Received header: malformed, must be skipped",
    "auto": "out-of-office auto-reply (Auto-Submitted: auto-replied)",
    "bounce": "multipart/report delivery failure for the parent's first recipient",
    "mobile": "iPhone reply",
    "late": "written in the evening",
    "curt": "an unhappy customer: bare greeting, plain 'Regards'",
    "bulk": "newsletter with List-Unsubscribe and Precedence: bulk",
    "sys": "no-reply notification",
}
_SCRIPT = """
# acme 2026-05-26 09:40 Welcome to Northwind - kickoff and next steps
= sam > dana tom ; jordan thrid
Thanks again for choosing Northwind! I'll be your Customer Success Manager from here on, and I'd \
like to get the kickoff on the calendar while the momentum from signing is still there.
Proposed agenda for a 60 minute session:
- goals for the first 90 days and how we'll measure them
- data sources: TMS, warehouse scans, carrier invoices
- SSO and user provisioning
- a training plan for the ops analysts
Would Thursday or Friday afternoon this week work for you both?
= dana +2h
Great to e-meet you! Thursday at 1pm Central works for me. Tom owns the data side, so he'll \
have most of the questions.
= tom > sam ; dana jordan +3h
Thursday at 1 works. Ahead of the call: our TMS is McLeod and the scan data lands in Snowflake \
every 15 minutes. Can Northwind read straight from Snowflake, or do we need to push files to you?
= sam +1h
Both work, but reading directly from Snowflake is what most customers do and it saves you a \
pipeline to maintain. I'll bring the connector checklist on Thursday. Invite is on its way.
= dana > sam ; tom jordan rachel +2d
That was a really productive hour, thank you. The team left excited, which doesn't happen often \
with a new tool! Rachel asked to be kept in the loop on rollout milestones, so I'm adding her here.
# acme 2026-06-09 10:15 SSO setup - SAML error on Okta login
= raj > mei ; sam tom
We configured the Northwind app in Okta following your guide, but every login attempt ends with \
"SAML response signature invalid". We're using the SHA-256 certificate Okta generated this \
morning. Metadata XML attached. Could you take a look?
= mei +2h
Thanks for sending the metadata, that made this quick. The certificate in Okta was rotated after \
you uploaded it to Northwind, so we're still validating against the old one. Re-download the IdP \
metadata and upload it under Settings > Security > SSO and logins should start working right away.
Happy to jump on a call if it's still failing.
= raj +3h noref mobile
That was it, logins work now. Thanks for the fast turnaround!
= sam > raj tom ; mei +1h
Great news. Tom, once your analysts have all logged in, I can enable SCIM provisioning so new \
hires get accounts automatically. Just say the word.
= tom +1d
Let's do SCIM next week once the pilot group is in. 12 of the 15 analysts have already logged in.
# acme 2026-06-24 14:05 Dashboard filters – quick question
= lena > sam ; tom
Quick one: on the carrier scorecard, is there a way to save a filter set? I rebuild the same \
"Midwest, LTL only, last 30 days" view every morning and it takes a few minutes each time.
= sam +1h
Yes! Click the bookmark icon next to the filter bar and choose "Save view". You can also make it \
your default so the scorecard opens that way every morning. Two-minute walkthrough here: \
https://help.northwind.io/saved-views
= lena +40m
Perfect, that's exactly what I needed. Already set up, thank you!
# acme 2026-07-08 09:20 UK depots - data residency question
= oliver > sam ; dana
Dana mentioned you're the right person for this. We're planning to bring our Leeds and \
Felixstowe depots onto Northwind in Q4. Before we do, our DPO needs to confirm where the data is \
stored. Do you offer a UK or EU hosting region, and is there a DPA we can review?
= sam +4h
Great to hear from you, Oliver. Yes: we host EU and UK customers in Frankfurt, and the data \
never leaves the region. Our standard DPA and sub-processor list are at https://northwind.io/dpa. \
I can set up 30 minutes with our security team if your DPO would like to go through it live.
= oliver +1d early
Thank you, that's very helpful. Our DPO has reviewed the DPA and is comfortable, so a call isn't \
needed. I'll come back to you in September with timings for the rollout.
= dana +2h
Love seeing this come together. Sam, let's fold the UK rollout into the QBR agenda.
# acme 2026-08-18 11:00 Q3 business review - scheduling
= sam > dana tom oliver ; rachel jordan
It's that time again! I'd like to hold our Q3 business review in the first half of September. \
I'll cover adoption, the on-time delivery gains since June and the UK rollout plan. Could you \
share a couple of slots that work?
= dana +1h
Sept 10 or 11, any time after 10am Central. Oliver will need it before 11 for UK time.
= oliver +3h
The 10th at 10am Central (4pm here) works for me.
= sam +30m
Booked for Thursday, September 10 at 10:00 Central, invite sent with a draft agenda. Rachel, \
you're very welcome to join for the first 20 minutes, where we cover ROI.
# acme 2026-09-10 12:10 Q3 business review - recap and next steps
= sam > dana tom oliver ; rachel jordan
Thank you all for the time today. Quick recap:
- on-time delivery up from 91.2% to 94.8% since go-live, mostly from the carrier scorecard
- 41 active users out of 45 licensed, 32 of them weekly
- UK rollout: Leeds in October, Felixstowe in November
- next: a pilot of the forecasting module that Tom asked about
Slides to follow. Jordan will follow up on licensing for the UK depots.
= tom +2h
Great session. One correction: the scorecard went live on June 15, so the baseline should be the \
first half of June. It doesn't change the story much.
= dana > sam jordan ; tom oliver rachel +1d
Agreed, a great QBR. We'd like to move forward with 25 more seats for the UK depots plus the \
forecasting pilot. Jordan, can you send us a quote?
= jordan > dana ; sam rachel +3h html
Thrilled to hear it. Here's the quote:
- 25 additional Professional seats: $1,150 per seat per year, prorated
- forecasting module pilot: 90 days at no charge
- co-termed with your current agreement, renewing June 1, 2027
The order form will come through SignFlow. Let me know if anything needs adjusting.
= dana +1d
Rachel approved it this morning. I'll sign as soon as the order form arrives.
# acme 2026-09-16 09:12 Completed: Northwind Analytics Order Form - Acme Logistics
= signflow > jordan sys
All parties have completed "Northwind Analytics Order Form - Acme Logistics".
Signers: Dana Whitfield (dana@acme-logistics.com), Jordan Blake (jordan.blake@northwind.io).
The signed document is attached. View it online: https://app.signflow.com/d/7Q2K9X
This is an automated message. Please do not reply.
# acme 2026-10-05 10:30 Feature request: scorecard export to Power BI
= dana2 > sam ; tom
Writing from my new address, IT finally migrated my mailbox. A feature request from our finance \
team: they'd love to pull the carrier scorecard into Power BI on a schedule instead of exporting \
CSVs by hand. Is that on the roadmap?
= sam +3h
Good timing: a Power BI connector is in beta and scheduled for general availability in December. \
I can add Acme to the beta now if Tom is happy to be our contact for feedback.
= tom +2h
Yes please, count us in.
= dana2 > sam ; tom +1h
Perfect, that works for us.
# acme 2026-10-20 09:10 Leeds go-live - training for supervisors
= oliver > sam ; dana
Leeds went live yesterday and early feedback from the floor is positive. Could we book two \
training sessions for the shift supervisors next week? Mornings UK time suit best.
= sam +2h
Wonderful news! I've pencilled in Tuesday and Thursday at 9:30 UK time, 45 minutes each. Mei \
from our support team will run them with me.
= oliver +1h
Brilliant, thank you. I'll forward the invites to the supervisors.
# acme 2026-11-02 10:40 Invoice INV-2026-1184 - missing PO number
= lena > jordan ; dana
Our AP team can't process invoice INV-2026-1184 because it's missing our PO number. Could you \
reissue it with PO 4500-22871?
= jordan +2h
Sorry about that! I've reissued it with the PO number; it should be in your inbox now.
= lena +1h
Got it, thanks for the quick fix.
# acme 2026-11-17 10:05 Forecasting pilot - early results
= tom > sam ; dana lena
Two months into the forecasting pilot: the volume forecast for the Chicago hub has been within \
4% of actuals for six weeks straight, which beats our spreadsheet model by a mile. We'd like to \
talk about rolling it out to all hubs in Q1.
= sam +2h
That's fantastic, thank you for sharing the numbers. I'll find time with you and Jordan to scope \
the Q1 rollout. Would early December work?
= dana +3h
Early December is great. Honestly, this has been one of our smoothest vendor relationships. \
Thank you to you and the whole team.
# globex 2026-06-02 10:00 Welcome aboard - Globex onboarding plan
= sam > karen ; victor nina jordan
Welcome to Northwind! I'm your Customer Success Manager. Attached is a 30-60-90 day onboarding \
plan: the first milestone is connecting NetSuite, then we build the inventory dashboards your \
team scoped during the sales process. When would suit for a kickoff with you, Victor and Nina?
= karen +1d
Victor and Nina are swamped this month, so it'll just be me for now. Does Thursday at 11 Pacific \
work?
= sam +2h
Thursday at 11 Pacific it is, invite sent.
# globex 2026-06-16 13:30 NetSuite connection - permissions
= karen > sam
We've created the integration role in NetSuite. Which permissions does Northwind need? Our admin \
only wants to grant read access.
= sam +3h
Read-only is all we need. The full list is in https://help.northwind.io/netsuite; the two people \
usually miss are Lists > Items and Transactions > Item Fulfillment.
= karen +1d
Connected, and the first sync finished overnight.
# globex 2026-07-21 10:15 July check-in and usage
= sam > karen ; nina
A quick usage update: 6 of your 20 seats are active, mostly you and two planners, and Nina \
hasn't logged in yet. Would a 30-minute session for the rest of the planning team help?
= karen +2d
Maybe in August, everyone is heads-down on the quarter close. The inventory dashboard is useful \
though, I check it every day.
= sam +1h
Understood, I'll check back in August. Glad the dashboard is earning its keep.
# globex 2026-08-19 09:45 Scheduled reports
= karen > sam
Is it possible to schedule the stock-out report to go out every Monday at 7am? Right now I export \
it by hand.
= sam +2h
Yes: open the report, click Schedule, choose Monday 7:00 and add the recipients. It arrives as a \
PDF and a CSV. Want me to set it up for you?
= karen +1d
I got it working.
# globex 2026-10-02 10:20 Training for the planning team
= sam > karen ; nina
Following up on training for the planning team as promised. I have openings the weeks of \
October 12 and 19.
= karen +3d
Sorry for the slow reply. We're in the middle of an ERP migration and everything else is on hold \
until it's done. Let's reconnect in a few weeks.
= sam +2h
Completely understand, and good luck with the migration. I'll check back later this month.
# globex 2026-10-20 10:05 Checking in
= sam > karen
{checkin}
= sam > karen ; victor +8d
{bump}
# globex 2026-11-05 09:40 Globex renewal planning
= sam > karen ; victor jordan
Your renewal comes up on February 1, and I'd like to plan it around the ERP cutover rather than \
have it land in the middle of it. Could we find 30 minutes in the next two weeks? Jordan from our \
side will join for the commercial part.
= sam +6d
{bump}
# globex 2026-11-18 14:20 Still the right contact?
= sam > karen ; victor nina
I haven't heard back in a while, and I want to make sure I'm not filling your inbox for nothing. \
If someone else owns Northwind now, or if priorities have changed, a one-line reply is all I \
need and I'll adjust.
# globex 2026-11-19 16:30 Introduction - Northwind Analytics
= sam > victor nodate
I'm reaching out directly because Karen has been heads-down on the ERP migration. Your team has \
been using Northwind since June, and I'd value 20 minutes to make sure it still fits your plans.
# initech 2026-06-03 09:30 Kickoff recap and action items
= priya > laura ; greg jordan
Thanks for a great kickoff yesterday. Action items:
- Greg: set up SSO with Azure AD (guide attached)
- Laura: share the list of ten pilot users
- me: configure the revenue dashboards with your sample data
Let's regroup next Wednesday.
= laura +3h
I'll send the pilot list separately once HR confirms two names. I'm really excited about this \
one, we've been waiting for a tool like this for two years.
= greg +1d
SSO is configured in Azure AD and tested with my account. Ready when you are.
# initech 2026-06-25 11:10 CSV export stops at 10,000 rows
= laura > mei ; priya
We found an issue with CSV exports: when a report has more than 10,000 rows, the export silently \
stops at 10,000, with no warning in the UI. That's a problem for our monthly revenue \
reconciliation.
= mei +3h
Thanks for the clear report. I reproduced it: the export hits a limit that was only meant for \
the in-app preview. The fix ships in Tuesday's release; until then, the API export returns all \
rows, and the snippet is in the ticket.
= laura +6d
Confirmed fixed on our side, the June export has all 48,210 rows. Thanks for the quick turnaround!
# initech 2026-08-05 14:00 Rollout to the finance team
= laura > priya ; tanya
The pilot went well and Tanya has agreed to roll Northwind out to the whole finance team in \
September, about 35 people. Could we plan two training sessions?
= priya +2h
That's wonderful news! How about September 15 and 17, 10am Eastern? I'll tailor the first session \
to month-end close.
= laura +1d
Works for us. One heads-up: there's some reorganization happening here, so I may be handing parts \
of this over. I'll keep you posted.
= priya +1h
Thanks for letting me know. Just tell me who to include and I'll make sure they're set up.
# initech 2026-09-14 09:10 Q4 planning and the finance rollout
= priya > laura ; greg
Ahead of Tuesday's training, could we confirm the attendee list? I'd also like 30 minutes with \
you for Q4 planning.
= laura +1m auto
I am no longer with Initech. My last day was September 11, 2026.
For analytics and reporting questions, please contact Greg Sawyer (greg.sawyer@initech.io).
This mailbox is not monitored and your message will not be forwarded.
# initech 2026-09-14 11:30 Laura's departure - who's taking over?
= priya > greg
I just got an auto-reply saying Laura has left Initech. I'm sorry to see her go, she was a great \
partner. Who will own Northwind going forward? The finance training is on Tuesday and I want to \
make sure it still makes sense.
= greg +1d
Yes, Laura left on Friday, it was fairly sudden. Let's postpone the training. Chloé Martin joins \
on October 1 as Head of Data Platform and will decide how analytics tooling fits the new \
structure. I'll introduce you once she's settled.
= priya +1h
Understood, I'll postpone it and wait for your intro. The pilot users keep their access meanwhile.
# initech 2026-09-21 10:00 Finance training postponed
= priya > laura greg ; tanya
As discussed with Greg, we're postponing the finance training until the new Head of Data \
Platform is on board. Everyone's access stays as it is, and I'll send new dates once we've talked.
= daemon > priya +2m bounce
# initech 2026-10-08 09:25 Introduction: Chloé Martin, Initech
= chloe > priya ; greg latin1
Greg passed on your details. I joined Initech last week as Head of Data Platform, and the \
analytics stack, Northwind included, is now my responsibility.
I'd like to understand what Initech uses Northwind for today, who the active users are and what \
the contract looks like. We're reviewing all our tools this quarter, so a short call would help.
= priya +2h
Welcome to Initech, and thanks for reaching out! The short version: 14 active users, mostly in \
finance, using the revenue and reconciliation dashboards; the contract renews in March. Would \
Thursday at 2pm Eastern work for a 45 minute overview?
= chloe +1d
Thursday at 2pm works. Please bring usage by team if you have it.
# initech 2026-10-15 15:10 Follow-up from our overview call
= priya > chloe ; greg
Thanks for the time today. As requested:
- usage by team: finance 9 weekly users, revenue ops 4, IT 1
- the export fix Laura reported in June has been in place since July
- I'll set up a sandbox so your team can test the Databricks connector
Let me know once you've had a chance to look.
= chloe +3d
This is helpful. The Databricks connector matters most to us, since our new platform is built on \
it. We'll test it over the next two weeks.
# initech 2026-11-04 10:50 Databricks connector - timeout on large table
= chloe > priya ; greg mei
We tested the Databricks connector. It works for our main tables but times out on the ledger \
table (about 180M rows). Is incremental sync supported?
= mei +4h
Yes: set the cursor column to updated_at in the connector settings and the initial load runs in \
batches. The steps are in the ticket, and I'm happy to join a call if anything is unclear.
= chloe +1d
That worked, the initial load finished overnight. We'd like to restart the finance training in \
January with the new team. Priya, can we plan it together?
= priya +2h
Absolutely, I'll send a few dates for early January. Really glad to see this moving again.
# umbrella 2026-06-04 10:00 Onboarding - Epic data feeds
= priya > marcus ; sofia
Following up on Tuesday's kickoff: to connect the scheduling and staffing feeds we need the \
Clarity export credentials and a service account for the SFTP drop. Could you send those over?
= marcus +2d
The credentials are in the secure share. Sofia will be the day-to-day contact for reporting.
= priya +3h
Got them, thanks. The first sync is running now. Sofia, I'll send you a short guide to the \
staffing dashboards tomorrow.
# umbrella 2026-07-14 10:30 Data export timing out
= sofia > priya ; marcus
From what we can see, exports of the staffing report time out for any date range longer than 60 \
days. We need 12 months for our quarterly board pack. Could you look into it?
= priya > sofia ; marcus mei +3d
Sorry for the delay, I was out for a couple of days. I've passed this to our support team and Mei \
will follow up.
= mei > sofia ; priya marcus +2d
I can reproduce the timeout. For now the workaround is to export quarter by quarter and combine \
the files. A permanent fix needs changes to the query engine; I've logged it as a bug with \
engineering.
= sofia +1d curt
Quarter by quarter means four exports and a manual merge every time. That is not a sustainable \
workaround. Please let us know when there is a real fix.
= sofia > priya ; marcus mei +49d curt
Following up again. It has been almost two months and we are still exporting quarter by quarter. \
Is there an ETA for the fix?
= mhome > priya ; sofia +3d late
I'm out this week so writing from my personal email. Any update on Sofia's question? The export \
issue is holding up our monthly board report and I have to explain it to Diane again.
= priya > marcus ; sofia mei +4d
Sorry for the silence on this. Engineering has the fix scheduled for the October release, and \
I'll confirm the date as soon as I have it.
# umbrella 2026-08-06 09:15 Audit log and BAA questions
= marcus > priya
Two questions from our compliance team:
1. Can we get an audit log of who viewed patient-level staffing data?
2. Our BAA with Northwind expires in December. Who do we work with on renewing it?
= priya +6d
Apologies for the slow reply. Audit logs are part of the Enterprise plan; I'll check whether we \
can enable them for you. Jordan on our side handles the BAA together with the renewal.
= marcus +1d curt
"I'll check" doesn't really help us. Our compliance team needs an answer this month, so please \
give me a yes or no on the audit log.
# umbrella 2026-10-06 09:05 Northwind service concerns
= diane > priya ; helen robert marcus curt
I'm writing because I am frustrated with how this year has gone. The export issue Sofia raised in \
July is still not fixed, our audit log question from August never got a straight answer, and my \
team spends hours every month on workarounds.
Our renewal is in December. Frankly, we are evaluating alternatives, and the service we have \
received so far is not helping Northwind's case.
= helen +1d
Thank you for being direct, and I'm sorry. You should not have had to escalate to get our \
attention. I've reviewed the history and you are right on both points. Here is what we'll do:
- the export fix ships in our October 20 release, and Mei will verify it with Sofia on your data
- we will enable audit logs for Umbrella at no extra cost through your renewal
- Priya and I will hold a weekly check-in with Marcus until this is resolved
I'd welcome 30 minutes with you this week.
= diane +2d curt
We'll see what the October release brings. I can do Friday at 3pm.
# internal 2026-10-06 10:40 Umbrella Health - renewal at risk
= priya > helen ; jordan
Diane's escalation just came in. Umbrella is red: the export bug has been open since July, the \
audit log answer slipped, and I've been too slow on replies. Renewal is December 15, $186k ARR. \
I need help from engineering to get the export fix prioritized.
= helen +1h
Thanks for flagging it quickly. I'll reply to Diane myself and talk to engineering today. Let's \
review the save plan every Monday until the renewal.
= jordan +2h
Moved to at-risk in the forecast. I'll hold the renewal quote until the fix has shipped.
# umbrella 2026-10-22 11:20 Export fix released
= mei > sofia ; priya marcus
The export fix shipped in Tuesday's release. I ran a 12-month staffing export on your workspace \
and it finished in about 40 seconds. Could you try it on your side?
= sofia +5d curt
It works for 12 months now. It took a long time to get here, though.
# umbrella 2026-10-28 13:45 Umbrella Health renewal quote
= jordan > robert ; diane priya marcus
Attached is the renewal quote for the term starting December 15:
- Enterprise plan, 60 seats: $199,000 per year, the 7% uplift set out in the contract
- audit logs included at no extra cost
Happy to walk through it whenever suits.
= robert +2d curt
A price increase is not acceptable given the service level we have had this year. We have \
competing proposals in hand at lower prices. The renewal needs to come in below the current \
price, and if the remaining issues are not fixed before renewal we will have to cancel.
= jordan +5d
Understood. I'm working with our finance team on a revised proposal and will come back to you \
next week.
# umbrella 2026-11-09 16:10 Data retention after contract end
= marcus > priya curt
If we do not renew, how long does Northwind keep our data, and in what format can we get a full \
export of everything? Please also send your process for data deletion certificates.
# umbrella 2026-11-12 10:25 Audit log access
= sofia > priya ; marcus
Helen's email said audit logs would be enabled for us, but I still don't see them in the admin \
settings. Can you check?
# umbrella 2026-11-17 09:30 Renewal next steps
= priya > diane ; marcus helen
I wanted to check in ahead of your renewal on December 15. Jordan is finalizing a revised \
proposal. Could we have 30 minutes next week to walk through it, along with progress on exports \
and audit logs?
= diane +1d curt
We will share our decision by December 1. We have a final demo with another vendor next week, so \
a call before then is not needed.
# news 2026-06-09 06:00 {news}
= saas > sam bulk
{news}
# news 2026-07-28 06:00 {news}
= saas > sam bulk
{news}
# news 2026-09-22 06:00 {news}
= saas > sam bulk
{news}
# news 2026-11-10 06:00 {news}
= saas > sam bulk
{news}
"""
_CHECKIN = (
    (
        "I know the ERP migration is eating most of your week, so I'll keep this short.",
        "I hope the migration is going smoothly and the cutover date is holding.",
        "I wanted to follow up now that October is well underway.",
    ),
    (
        "Once you move to the new ERP, the NetSuite connector will need repointing, and I'd like "
        "to make sure the inventory dashboards don't go stale during the switch.",
        "Logins from Globex have dropped over the last few weeks. I assume that's the migration, "
        "but I want to make sure nothing on our side is getting in the way.",
        "We've shipped a stock-out forecast since we last spoke, and I think your planners would "
        "get a lot out of it.",
    ),
    (
        "Would 20 minutes sometime next week work?",
        "If it's easier, reply with a date that suits and I'll work around it.",
        "If someone else is covering while you're heads-down, I'm happy to talk to them instead.",
    ),
)
_BUMP = (
    ("Just bumping this back to the top of your inbox.", "Circling back on my note below.",
     "Following up on this in case it got buried during the migration."),
    ("A one-line reply is plenty.", "Happy to work around your schedule.",
     "Even a quick 'not now' would help me plan."),
)  # fmt: skip
_NEWS = (
    ("Why net revenue retention beats logo churn", "Three CS leaders on the metric they report."),
    ("Five signals that predict churn 90 days out", "Fading executive engagement tops the list."),
    ("Run a QBR your customer wants to attend", "Spend the first ten minutes on their goals."),
    ("The renewal season playbook", "Start 120 days out and map every stakeholder."),
    ("Is the health score dead?", "Why composite scores can hide the signal you need."),
    ("Onboarding in 30 days or less", "Time to first value still predicts year-one retention."),
    ("Multi-threading 101", "Accounts with three engaged contacts renew far more often."),
    ("What 400 exit interviews taught us", "Most churn decisions are made months in advance."),
    ("AI in customer success: a hype check", "Where it saves hours today, and where it doesn't."),
    ("The hidden cost of slow support replies", "Every extra day to first response adds up."),
    ("Expansion without the hard sell", "Let usage data start the conversation."),
    ("Pricing pages that convert in 2026", "We read 120 SaaS pricing pages so you don't have to."),
)


@dataclass(frozen=True, slots=True)
class _Person:
    key: str
    name: str
    email: str
    title: str
    zone: str
    client: str
    sig: str
    phone: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def plain(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(slots=True)
class _Spec:
    account: str
    subject: str
    start: datetime | None  # sender-local time of a thread's first message
    sender: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delay: timedelta = timedelta(hours=2)
    flags: set[str] = field(default_factory=set)
    body: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Mail:
    n: int
    spec: _Spec
    sender: _Person
    to: list[_Person]
    cc: list[_Person]
    utc: datetime
    parent: _Mail | None
    tindex: bytes  # Outlook Thread-Index: 22 bytes per thread, 5 more per reply
    subject: str = ""
    text: str = ""  # the plain text that a reply quotes
    raw: bytes = b""

    @property
    def msgid(self) -> str:
        return f"demo-{self.n:04d}.{self.spec.account}@mail.{self.sender.domain}"

    @property
    def refs(self) -> list[str]:
        return [*self.parent.refs, self.parent.msgid] if self.parent else []


def _people() -> dict[str, _Person]:
    out: dict[str, _Person] = {}
    for i, line in enumerate(_PEOPLE.strip().splitlines()):
        key, name, email, title, rest = line.split("|")
        zone, client, sig = rest.split()
        phone = f"+44 20 7946 0{i:03d}" if zone == "uk" else f"{_AREA[zone]}{i:02d}"
        out[key] = _Person(key, name, email, title, zone, client, sig, phone)
    return out


def _parse() -> list[list[_Spec]]:
    threads: list[list[_Spec]] = []
    account, subject, start = "", "", None
    for line in _SCRIPT.replace("\\\n", "").strip().splitlines():
        if line.startswith("# "):
            _, account, day, hm, subject = line.split(" ", 4)
            start = datetime.fromisoformat(f"{day} {hm}")
            threads.append([])
        elif line.startswith("= "):
            spec = _Spec(account, subject, start, line.split()[1])
            start, target = None, spec.to
            for tok in line.split()[2:]:
                if tok in (">", ";"):
                    target = spec.to if tok == ">" else spec.cc
                elif tok.startswith("+"):
                    n = {u: int(v) for v, u in re.findall(r"(\d+)([dhm])", tok)}
                    spec.delay = timedelta(
                        n.get("d", 0), hours=n.get("h", 0), minutes=n.get("m", 0)
                    )
                elif tok in _FLAGS:
                    spec.flags.add(tok)
                else:
                    target.append(tok)
            threads[-1].append(spec)
        elif line.strip():  # one line is one paragraph; list items join the line above
            body = threads[-1][-1].body
            if body and re.match(r"(- |\d\. )", line):
                body[-1] += "\n" + line
            else:
                body.append(line)
    return threads


def _local(utc: datetime, zone: str) -> datetime:
    """Fixed offsets are enough for May-November 2026: summer time ends Oct 25 / Nov 1."""
    if zone == "uk":
        hours = 1 if utc < datetime(2026, 10, 25, 1, tzinfo=UTC) else 0
    else:
        hours = {"ny": -4, "chi": -5, "la": -7}[zone]
        if utc >= datetime(2026, 11, 1, 6, tzinfo=UTC):
            hours -= 1
    return utc.astimezone(timezone(timedelta(hours=hours)))


def _business_hours(utc: datetime, zone: str, rng: random.Random) -> datetime:
    local = _local(utc, zone)
    if local.hour >= 18:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    elif local.hour < 8:
        local = local.replace(hour=8, minute=rng.randint(0, 59))
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(5, 59))
    return local.astimezone(UTC)


def _ew(text: str, charset: str = "utf-8") -> str:
    """RFC 2047 Q-encoded words, each at most 75 characters."""
    words: list[str] = []
    cur, pre = "", f"=?{charset}?q?"
    for ch in text:
        safe = ch.isascii() and (ch.isalnum() or ch in "-!*+/")
        enc = ch if safe else "_" if ch == " " else "".join(f"={b:02X}" for b in ch.encode(charset))
        if len(pre) + len(cur) + len(enc) + 2 > 75:
            words, cur = [*words, cur], ""
        cur += enc
    return " ".join(f"{pre}{w}?=" for w in [*words, cur])


def _addrs(people: list[_Person], charset: str = "utf-8") -> str:
    out = [
        formataddr((p.name, p.email)) if p.name.isascii() else f"{_ew(p.name, charset)} <{p.email}>"
        for p in people
    ]
    return ", ".join(out) if len(", ".join(out)) < 70 else ",\n ".join(out)


def _quote(m: _Mail) -> str:
    """The parent in the sender's client style: Outlook block, iPhone or Gmail '>' quoting."""
    if (p := m.parent) is None:
        return ""
    d = _local(p.utc, m.sender.zone)
    if m.sender.client == "o":
        sent = f"{d:%A, %B} {d.day}, {d.year} {(d.hour - 1) % 12 + 1}:{d:%M} {'AP'[d.hour // 12]}M"
        cc = f"\nCc: {'; '.join(c.plain for c in p.cc)}" if p.cc else ""
        return (
            f"-----Original Message-----\nFrom: {p.sender.plain}\nSent: {sent}\n"
            f"To: {'; '.join(t.plain for t in p.to)}{cc}\nSubject: {p.subject}\n\n{p.text}"
        )
    if "mobile" in m.spec.flags:
        when = f"{d.day} {d:%b %Y}, at {d:%H:%M}"
    else:
        when = f"{d:%a}, {d.day} {d:%b %Y} at {d:%H:%M}"
    lines = (">" + ln if ln[:1] == ">" else f"> {ln}" if ln else ">" for ln in p.text.split("\n"))
    return f"On {when}, {p.sender.plain} wrote:\n" + "\n".join(lines)


def _greeting(m: _Mail, rng: random.Random) -> str:
    names = [t.first for t in m.to]
    if "curt" in m.spec.flags and len(names) == 1:
        return f"{names[0]},"
    if m.parent and rng.random() < 0.3 or not names or "mobile" in m.spec.flags:
        return ""
    if len(names) > 2:
        return rng.choice(("Hi all,", "Hi everyone,", "Hello all,"))
    forms = ["Hi {},", "Hello {},"] if m.sender.client == "o" else ["Hi {},", "Hi {},"]
    if m.sender.client == "o" and _local(m.utc, m.sender.zone).hour < 12:
        forms.append("Good morning {},")
    if m.parent and len(names) == 1 and m.sender.sig == "dash":
        forms.append("{},")
    return rng.choice(forms).format(" and ".join(names))


def _signoff(m: _Mail, rng: random.Random) -> str:
    p = m.sender
    company = _COMPANIES.get(p.domain, "")
    if "mobile" in m.spec.flags:
        return "Sent from my iPhone"
    if p.sig == "dash":
        closing = rng.choice(("Thanks,", "Best,", "Cheers,", "Thanks!", "Talk soon,"))
        return f"{closing}\n{p.first}\n\n-- \n{p.name}\n{p.title} | {company}\n{p.phone}"
    if p.sig == "regards":
        closing = rng.choice(("Best regards,", "Kind regards,", "Regards,", "Many thanks,"))
        closing = "Regards," if "curt" in m.spec.flags else closing
        phone = f"T: {p.phone}" if p.client == "o" else p.phone
        return f"{closing}\n{p.name}\n{p.title}\n{company}\n{phone}"
    return f"{rng.choice(('Thanks,', 'Thx,'))}\n{p.first}"


def _compose(m: _Mail, deck: dict[str, list[str]]) -> list[str]:
    """The paragraphs of a message; {checkin}, {bump}, {news} are drawn from the decks."""
    body = m.spec.body
    if body == ["{checkin}"]:
        return [" ".join(deck[f"checkin{i}"].pop() for i in range(3))]
    if body == ["{bump}"]:
        return [" ".join(deck[f"bump{i}"].pop() for i in range(2))]
    if body != ["{news}"]:
        return body
    issue = 140 + (m.utc - datetime(2026, 6, 2, tzinfo=UTC)).days // 7
    stories = [deck["news"].pop().split("|") for _ in range(3)]
    m.subject = f"SaaS Weekly #{issue}: {stories[0][0]}"
    return [
        f"SaaS Weekly | Issue #{issue}\nThe week's best reads for customer success teams.",
        *(
            f"{i}. {t}\n{b}\nhttps://saasweekly.com/r/{issue}-{i}"
            for i, (t, b) in enumerate(stories, 1)
        ),
        f"You are receiving this because you subscribed at saasweekly.com.\n"
        f"Unsubscribe: https://saasweekly.com/u/{issue}-7f3a",
    ]


def _wrap(paragraphs: list[str], client: str) -> str:
    if client == "o":  # Outlook sends long lines; quoted-printable folds them
        return "\n\n".join(paragraphs)
    return "\n\n".join(
        "\n".join(
            textwrap.fill(ln, 72, subsequent_indent="  " * (ln[:2] == "- "), break_on_hyphens=False)
            for ln in para.split("\n")
        )
        for para in paragraphs
    )


def _html(greeting: str, paras: list[str], signoff: str, quote: str) -> str:
    esc = html.escape
    out = ['<div dir="ltr">', f"<div>{esc(greeting)}</div><div><br></div>"]
    for para in paras:
        lines = para.split("\n")
        out += [f"<div>{esc(ln)}</div>" for ln in lines if ln[:2] != "- "]
        items = [f"<li>{esc(ln[2:])}</li>" for ln in lines if ln[:2] == "- "]
        out += ["<ul>", *items, "</ul>"] if items else ["<div><br></div>"]
    out.append(f'<div class="gmail_signature">{esc(signoff).replace(chr(10), "<br>")}</div>')
    attr, _, quoted = quote.partition("\n")
    text = "<br>\n".join(esc(ln[2:] if ln[:2] == "> " else ln[1:]) for ln in quoted.split("\n"))
    style = "margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex"
    out += [
        '</div><br><div class="gmail_quote">',
        f'<div dir="ltr" class="gmail_attr">{esc(attr)}<br></div>',
        f'<blockquote class="gmail_quote" style="{style}">\n{text}\n</blockquote></div>',
    ]
    return "\n".join(out) + "\n"


def _bounce(m: _Mail, rng: random.Random) -> tuple[str, bytes]:
    """An Exchange-style non-delivery report for the parent's first recipient."""
    assert m.parent is not None
    p, b = m.parent, f"NDR_{m.n:04d}_{rng.getrandbits(48):012x}"
    lost, sent = p.to[0].email, format_datetime(_local(p.utc, p.sender.zone))
    parts = [
        'Content-Type: text/plain; charset="us-ascii"\n\nDelivery has failed to these '
        f"recipients or groups:\n\n{lost}\nThe email address you entered couldn't be found. "
        "Please check the recipient's email\naddress and try to resend the message. If the "
        "problem continues, contact your helpdesk.\n",
        f"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx1.initech.io\n"
        f"Arrival-Date: {sent}\n\nFinal-Recipient: rfc822; {lost}\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\n",
        f"Content-Type: text/rfc822-headers\n\nFrom: {_addrs([p.sender])}\nTo: {_addrs(p.to)}\n"
        f"Subject: {p.subject}\nDate: {sent}\nMessage-ID: <{p.msgid}>\n",
    ]
    body = "This is a multi-part message in MIME format.\n\n"
    body += "".join(f"--{b}\n{part}\n" for part in parts) + f"--{b}--\n"
    return f'multipart/report; report-type=delivery-status;\n boundary="{b}"', body.encode()


def _body(m: _Mail, rng: random.Random, deck: dict[str, list[str]]) -> tuple[str, str, bytes]:
    """Fill ``m.text``; return Content-Type, Content-Transfer-Encoding and the payload."""
    flags, client = m.spec.flags, m.sender.client
    if "bounce" in flags:
        ctype, payload = _bounce(m, rng)
        return ctype, "7bit", payload
    paras = _compose(m, deck)
    if flags & {"auto", "sys", "bulk"}:
        m.text = _wrap(paras, client)
    else:
        greeting, signoff, quote = _greeting(m, rng), _signoff(m, rng), _quote(m)
        main = "\n\n".join(x for x in (greeting, _wrap(paras, client), signoff) if x)
        m.text = main + ("\n\n" + quote if quote else "")
        if "html" in flags:
            text = _html(greeting, paras, signoff, quote).encode()
            return 'text/html; charset="UTF-8"', "quoted-printable", quopri.encodestring(text)
    if "latin1" in flags:
        return 'text/plain; charset="iso-8859-1"', "8bit", (m.text + "\n").encode("iso-8859-1")
    if client != "o" and m.text.isascii():
        return 'text/plain; charset="UTF-8"', "7bit", (m.text + "\n").encode()
    charset = "us-ascii" if m.text.isascii() else "UTF-8"
    payload = quopri.encodestring((m.text + "\n").encode())
    return f'text/plain; charset="{charset}"', "quoted-printable", payload


def _render(m: _Mail, rng: random.Random, deck: dict[str, list[str]]) -> None:
    flags, sender, spec = m.spec.flags, m.sender, m.spec
    prefix = "Automatic reply: " if "auto" in flags else "Undeliverable: " * ("bounce" in flags)
    if m.parent and not prefix:
        prefix = "RE: " if sender.client == "o" else "Re: "
    m.subject = prefix + spec.subject
    ctype, cte, payload = _body(m, rng, deck)  # may set the subject of a newsletter
    charset = "iso-8859-1" if "latin1" in flags else "utf-8"
    topic = m.subject.removeprefix(prefix)
    if not topic.isascii():
        topic = _ew(topic, charset)
    h: list[tuple[str, str]] = []
    if sender.domain != "northwind.io" and "nodate" not in flags:
        rcpt = next((p for p in m.to + m.cc if p.domain == "northwind.io"), m.to[0])
        relay, ip, smtp_id = f"mail.{sender.domain}", 10 + m.n % 200, rng.getrandbits(40)
        stamp = format_datetime(m.utc + timedelta(seconds=2))
        trace = f"from {relay} ({relay} [203.0.113.{ip}])\n        by mx.northwind.io"
        h.append(
            (
                "Received",
                f"{trace} with ESMTPS id {smtp_id:010x}\n        for <{rcpt.email}>; {stamp}",
            )
        )
    h.append(("MIME-Version", "1.0"))
    if "nodate" not in flags:
        h.append(("Date", format_datetime(_local(m.utc, sender.zone))))
    h.append(("Message-ID", f"<{m.msgid}>"))
    if m.parent and "noref" not in flags:
        h.append(("In-Reply-To", f"<{m.parent.msgid}>"))
        h.append(("References", "\n ".join(f"<{r}>" for r in m.refs)))
    h += [("Subject", prefix + topic), ("From", _addrs([sender], charset))]
    h += [("To", _addrs(m.to, charset))] + ([("Cc", _addrs(m.cc, charset))] if m.cc else [])
    if sender.client == "o":
        h += [("Thread-Topic", topic), ("Thread-Index", b64encode(m.tindex).decode())]
        h.append(("X-Mailer", "Microsoft Outlook 16.0"))
    if "thrid" in flags:
        h.append(("X-GM-THRID", str(1_800_000_000_000_000_000 + rng.randrange(10**17))))
    if "mobile" in flags:
        h.append(("X-Mailer", "iPhone Mail (22B83)"))
    if flags & {"auto", "bounce", "sys"}:
        h.append(("Auto-Submitted", "auto-generated" if "sys" in flags else "auto-replied"))
    if "auto" in flags:
        h.append(("X-Auto-Response-Suppress", "All"))
    if "bulk" in flags:
        unsubscribe = (
            f"<https://saasweekly.com/u/{m.n}-7f3a>,\n <mailto:unsubscribe@saasweekly.com>"
        )
        h += [("List-Id", "SaaS Weekly <weekly.saasweekly.com>"), ("Precedence", "bulk")]
        h += [
            ("List-Unsubscribe", unsubscribe),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    h += [("Content-Type", ctype), ("Content-Transfer-Encoding", cte)]
    m.raw = "".join(f"{k}: {v}\n" for k, v in h).encode("ascii") + b"\n" + payload


def _when(spec: _Spec, sender: _Person, parent: _Mail | None, rng: random.Random) -> datetime:
    if spec.start is not None:
        local = spec.start.replace(
            tzinfo=_local(spec.start.replace(tzinfo=UTC), sender.zone).tzinfo
        )
        utc = local.astimezone(UTC) + timedelta(minutes=rng.randint(0, 9))
    else:
        assert parent is not None
        slack = min(120, max(3, int(spec.delay.total_seconds() // 600)))  # minutes of jitter
        utc = parent.utc + spec.delay + timedelta(minutes=rng.randint(0, slack))
    utc += timedelta(seconds=rng.randint(0, 59))
    if "late" in spec.flags:  # an evening email from home
        return _local(utc, sender.zone).replace(hour=21, minute=rng.randint(0, 50)).astimezone(UTC)
    if spec.flags & {"auto", "bounce", "bulk"}:
        return utc
    return _business_hours(utc, sender.zone, rng)


def _generate(seed: int) -> list[_Mail]:
    rng = random.Random(seed)
    people = _people()
    decks = {f"checkin{i}": list(o) for i, o in enumerate(_CHECKIN)}
    decks |= {f"bump{i}": list(o) for i, o in enumerate(_BUMP)}
    decks["news"] = [f"{title}|{blurb}" for title, blurb in _NEWS]
    for deck in decks.values():
        rng.shuffle(deck)
    mails: list[_Mail] = []
    for thread in _parse():
        parent: _Mail | None = None
        for spec in thread:
            sender = people[spec.sender]
            if spec.to or parent is None:
                to, cc = [people[k] for k in spec.to], [people[k] for k in spec.cc]
            else:  # reply to all
                to = [parent.sender] if parent.sender != sender else parent.to
                cc = [p for p in parent.to + parent.cc if p not in to and p != sender]
            if spec.flags & {"auto", "bounce"}:
                cc = []
            utc = _when(spec, sender, parent, rng)
            tindex = parent.tindex + rng.randbytes(5) if parent else rng.randbytes(22)
            m = _Mail(len(mails) + 1, spec, sender, to, cc, utc, parent, tindex)
            _render(m, rng, decks)
            mails.append(m)
            parent = m
    order = sorted(mails, key=lambda m: (m.utc, m.n))
    for m in mails:
        if "early" in m.spec.flags and m.parent is not None:
            order.remove(m)
            order.insert(order.index(m.parent), m)
    return order


def _mbox_bytes(mails: list[_Mail]) -> bytes:
    """mboxrd: a ``From `` separator per message, body lines matching ``>*From `` get a ``>``."""
    out = bytearray()
    for m in mails:
        u = m.utc
        out += f"From {m.sender.email} {u:%a %b} {u.day:2d} {u:%H:%M:%S %Y}\n".encode()
        for line in m.raw.splitlines(keepends=True):
            out += b">" + line if re.match(rb">*From ", line) else line
        out += b"\n"
    return bytes(out)


def build_messages(seed: int = 7) -> list[bytes]:
    """The demo mailbox as raw RFC 5322 messages, in mbox order."""
    return [m.raw for m in _generate(seed)]


def write_mbox(path: Path, seed: int = 7) -> int:
    """Write the demo mailbox to ``path``; return the number of messages."""
    mails = _generate(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_mbox_bytes(mails))
    return len(mails)


if __name__ == "__main__":
    print(f"wrote {write_mbox(DEFAULT_PATH)} messages to {DEFAULT_PATH}")
